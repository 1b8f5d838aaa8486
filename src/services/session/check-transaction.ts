import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const checkTransaction =
  ({ transactions }: ServiceDeps): Handler<'session.check_transaction', RequestContext> =>
  ({ token, publicKey, encodedTransaction }, ctx) =>
    transactions.check({ token, publicKey, encodedTransaction, caller: ctx, signal: () => ctx.signal });
