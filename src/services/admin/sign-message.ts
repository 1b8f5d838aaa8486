import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const signMessage =
  ({ keys }: ServiceDeps): Handler<'admin.sign_message', RequestContext> =>
  async ({ wallet, publicKey, encodedMessage }) => ({
    encodedSignature: await keys.sign(wallet, publicKey, encodedMessage),
  });
