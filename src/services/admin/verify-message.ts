import type { Handler } from '../../../generated/handlers.js';
import { verify } from '../../domain/wallet/keys.js';
import type { RequestContext } from '../../rpc/context.js';

export const verifyMessage =
  (): Handler<'admin.verify_message', RequestContext> =>
  ({ publicKey, encodedMessage, encodedSignature }) => ({
    isValid: verify(publicKey, encodedMessage, encodedSignature),
  });
