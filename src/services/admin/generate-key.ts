import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const generateKey =
  ({ keys }: ServiceDeps): Handler<'admin.generate_key', RequestContext> =>
  ({ wallet, passphrase, metadata }) =>
    keys.generate(wallet, passphrase, metadata);
