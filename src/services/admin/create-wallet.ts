import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const createWallet =
  ({ wallets }: ServiceDeps): Handler<'admin.create_wallet', RequestContext> =>
  async ({ wallet, passphrase }) =>
    wallets.create(wallet, passphrase);
