import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const updatePassphrase =
  ({ wallets }: ServiceDeps): Handler<'admin.update_passphrase', RequestContext> =>
  async ({ wallet, passphrase, newPassphrase }) => {
    await wallets.updatePassphrase(wallet, passphrase, newPassphrase);
    return {};
  };
