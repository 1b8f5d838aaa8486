import type { Handler } from '../../../generated/handlers.js';
import { then } from '../../awaitable.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const getChainId =
  ({ transactions }: ServiceDeps): Handler<'session.get_chain_id', RequestContext> =>
  (_params, ctx) =>
    then(transactions.chainId(() => ctx.signal), (chainID) => ({ chainID }));
