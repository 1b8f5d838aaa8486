import type { Handlers } from '../../generated/handlers.js';
import type { RequestContext } from '../rpc/context.js';
import { createWallet } from './admin/create-wallet.js';
import { describeWallet } from './admin/describe-wallet.js';
import { importWallet } from './admin/import-wallet.js';
import { listWallets } from './admin/list-wallets.js';
import { removeWallet } from './admin/remove-wallet.js';
import type { ServiceDeps } from './deps.js';
import { discover } from './rpc/discover.js';
import { notAvailableYet } from './session/not-available.js';

/** Every method of openrpc.json with its implementation; a missing or mistyped one fails to compile. */
export function createHandlers(deps: ServiceDeps): Handlers<RequestContext> {
  return {
    'session.connect_wallet': notAvailableYet('session.connect_wallet'),
    'session.disconnect_wallet': notAvailableYet('session.disconnect_wallet'),
    'session.get_permissions': notAvailableYet('session.get_permissions'),
    'session.request_permissions': notAvailableYet('session.request_permissions'),
    'session.list_keys': notAvailableYet('session.list_keys'),
    'session.send_transaction': notAvailableYet('session.send_transaction'),
    'session.get_chain_id': notAvailableYet('session.get_chain_id'),
    'admin.create_wallet': createWallet(deps),
    'admin.import_wallet': importWallet(deps),
    'admin.describe_wallet': describeWallet(deps),
    'admin.list_wallets': listWallets(deps),
    'admin.remove_wallet': removeWallet(deps),
    'rpc.discover': discover(deps),
  } satisfies Handlers<RequestContext>;
}
