import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const renameWallet =
  ({ wallets }: ServiceDeps): Handler<'admin.rename_wallet', RequestContext> =>
  async ({ wallet, newName }) => {
    await wallets.rename(wallet, newName);
    return {};
  };
