import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const describeWallet =
  ({ wallets }: ServiceDeps): Handler<'admin.describe_wallet', RequestContext> =>
  async ({ wallet, passphrase }) => {
    const described = await wallets.describe(wallet, passphrase);
    // The seed's example spells the ID in capitals.
    return { name: described.name, version: described.version, type: 'HD Wallet', ID: described.id, keyCount: described.keyCount };
  };
