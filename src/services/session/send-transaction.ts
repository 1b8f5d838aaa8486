import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const sendTransaction =
  ({ transactions }: ServiceDeps): Handler<'session.send_transaction', RequestContext> =>
  ({ token, publicKey, sendingMode, encodedTransaction }, ctx) =>
    transactions.send({ token, publicKey, encodedTransaction, caller: ctx, signal: () => ctx.signal }, sendingMode);
