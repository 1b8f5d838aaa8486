import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const getChainId =
  ({ transactions }: ServiceDeps): Handler<'session.get_chain_id', RequestContext> =>
  async (_params, ctx) => ({ chainID: await transactions.chainId(() => ctx.signal) });
