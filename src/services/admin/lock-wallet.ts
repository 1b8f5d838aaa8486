import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const lockWallet =
  ({ wallets }: ServiceDeps): Handler<'admin.lock_wallet', RequestContext> =>
  async ({ wallet }) => {
    await wallets.lock(wallet);
    return {};
  };
