import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const unlockWallet =
  ({ wallets, unlockTimeoutSeconds }: ServiceDeps): Handler<'admin.unlock_wallet', RequestContext> =>
  async ({ wallet, passphrase, idleTimeout }) => {
    const seconds = idleTimeout ?? unlockTimeoutSeconds;
    await wallets.unlock(wallet, passphrase, seconds * 1000);
    return { idleTimeout: seconds };
  };
