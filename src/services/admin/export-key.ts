import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const exportKey =
  ({ keys }: ServiceDeps): Handler<'admin.export_key', RequestContext> =>
  ({ wallet, publicKey, passphrase }) =>
    keys.export(wallet, publicKey, passphrase);
