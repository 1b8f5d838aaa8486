import type { Handler } from '../../../generated/handlers.js';
import { then } from '../../awaitable.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const getChainId = ({ transactions }: ServiceDeps): Handler<'session.get_chain_id', RequestContext> => {
  // One frozen answer per chain id: the dispatcher encodes it once, not on every call.
  let answer: Readonly<{ chainID: string }> | undefined;
  return (_params, ctx) =>
    then(transactions.chainId(() => ctx.signal), (chainID) => (answer?.chainID === chainID ? answer : (answer = Object.freeze({ chainID }))));
};
