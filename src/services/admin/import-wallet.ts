import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const importWallet =
  ({ wallets }: ServiceDeps): Handler<'admin.import_wallet', RequestContext> =>
  async ({ wallet, passphrase, recoveryPhrase, version }) =>
    // The schema admits 1, 2, "1" and "2" (the seed's example sends a string).
    wallets.import(wallet, passphrase, recoveryPhrase, Number(version) as 1 | 2);
