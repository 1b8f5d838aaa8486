import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const removeWallet =
  ({ wallets }: ServiceDeps): Handler<'admin.remove_wallet', RequestContext> =>
  async ({ wallet }) => {
    await wallets.remove(wallet);
    return {};
  };
