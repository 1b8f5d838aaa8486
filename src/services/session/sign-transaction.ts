import type { Handler } from '../../../generated/handlers.js';
import type { SignedTransactionJson } from '../../../generated/types.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const signTransaction =
  ({ transactions }: ServiceDeps): Handler<'session.sign_transaction', RequestContext> =>
  async ({ token, publicKey, encodedTransaction }, ctx) => {
    const signed = await transactions.sign({ token, publicKey, encodedTransaction, caller: ctx, signal: () => ctx.signal });
    // The gateway always signs version 3 with a proof of work, which is what the schema describes.
    return { ...signed, transaction: signed.transaction as unknown as SignedTransactionJson };
  };
