import type { Handlers } from '../../generated/handlers.js';
import type { RequestContext } from '../rpc/context.js';
import { annotateKey } from './admin/annotate-key.js';
import { describeKey } from './admin/describe-key.js';
import { exportKey } from './admin/export-key.js';
import { generateKey } from './admin/generate-key.js';
import { listKeys } from './admin/list-keys.js';
import { lockWallet } from './admin/lock-wallet.js';
import { renameWallet } from './admin/rename-wallet.js';
import { signMessage } from './admin/sign-message.js';
import { taintKey } from './admin/taint-key.js';
import { unlockWallet } from './admin/unlock-wallet.js';
import { untaintKey } from './admin/untaint-key.js';
import { updatePassphrase } from './admin/update-passphrase.js';
import { verifyMessage } from './admin/verify-message.js';
import { createWallet } from './admin/create-wallet.js';
import { describeWallet } from './admin/describe-wallet.js';
import { importWallet } from './admin/import-wallet.js';
import { listWallets } from './admin/list-wallets.js';
import { removeWallet } from './admin/remove-wallet.js';
import type { ServiceDeps } from './deps.js';
import { discover } from './rpc/discover.js';
import { addNetwork } from './admin/add-network.js';
import { describeNetwork } from './admin/describe-network.js';
import { listNetworks } from './admin/list-networks.js';
import { removeNetwork } from './admin/remove-network.js';
import { updateNetwork } from './admin/update-network.js';
import { checkTransaction } from './session/check-transaction.js';
import { getChainId } from './session/get-chain-id.js';
import { sendTransaction } from './session/send-transaction.js';
import { signTransaction } from './session/sign-transaction.js';
import { connectWallet } from './session/connect-wallet.js';
import { disconnectWallet } from './session/disconnect-wallet.js';
import { getPermissions } from './session/get-permissions.js';
import { listKeys as listSessionKeys } from './session/list-keys.js';
import { requestPermissions } from './session/request-permissions.js';
import { closeConnection } from './admin/close-connection.js';
import { createApiToken } from './admin/create-api-token.js';
import { decideReview } from './admin/decide-review.js';
import { getPolicy } from './admin/get-policy.js';
import { listApiTokens } from './admin/list-api-tokens.js';
import { listAuditEvents } from './admin/list-audit-events.js';
import { listConnections } from './admin/list-connections.js';
import { listPermissions } from './admin/list-permissions.js';
import { listReviews } from './admin/list-reviews.js';
import { revokeApiToken } from './admin/revoke-api-token.js';
import { revokePermissions } from './admin/revoke-permissions.js';
import { setPolicy } from './admin/set-policy.js';

/** Every method of openrpc.json with its implementation; a missing or mistyped one fails to compile. */
export function createHandlers(deps: ServiceDeps): Handlers<RequestContext> {
  return {
    'session.connect_wallet': connectWallet(deps),
    'session.disconnect_wallet': disconnectWallet(deps),
    'session.get_permissions': getPermissions(deps),
    'session.request_permissions': requestPermissions(deps),
    'session.list_keys': listSessionKeys(deps),
    'session.send_transaction': sendTransaction(deps),
    'session.sign_transaction': signTransaction(deps),
    'session.check_transaction': checkTransaction(deps),
    'session.get_chain_id': getChainId(deps),
    'admin.create_wallet': createWallet(deps),
    'admin.import_wallet': importWallet(deps),
    'admin.describe_wallet': describeWallet(deps),
    'admin.list_wallets': listWallets(deps),
    'admin.remove_wallet': removeWallet(deps),
    'admin.unlock_wallet': unlockWallet(deps),
    'admin.lock_wallet': lockWallet(deps),
    'admin.generate_key': generateKey(deps),
    'admin.list_keys': listKeys(deps),
    'admin.describe_key': describeKey(deps),
    'admin.annotate_key': annotateKey(deps),
    'admin.taint_key': taintKey(deps),
    'admin.untaint_key': untaintKey(deps),
    'admin.rename_wallet': renameWallet(deps),
    'admin.update_passphrase': updatePassphrase(deps),
    'admin.sign_message': signMessage(deps),
    'admin.verify_message': verifyMessage(),
    'admin.export_key': exportKey(deps),
    'admin.list_reviews': listReviews(deps),
    'admin.decide_review': decideReview(deps),
    'admin.list_connections': listConnections(deps),
    'admin.close_connection': closeConnection(deps),
    'admin.list_permissions': listPermissions(deps),
    'admin.revoke_permissions': revokePermissions(deps),
    'admin.create_api_token': createApiToken(deps),
    'admin.list_api_tokens': listApiTokens(deps),
    'admin.revoke_api_token': revokeApiToken(deps),
    'admin.set_policy': setPolicy(deps),
    'admin.get_policy': getPolicy(deps),
    'admin.list_audit_events': listAuditEvents(deps),
    'admin.list_networks': listNetworks(deps),
    'admin.describe_network': describeNetwork(deps),
    'admin.add_network': addNetwork(deps),
    'admin.update_network': updateNetwork(deps),
    'admin.remove_network': removeNetwork(deps),
    'rpc.discover': discover(deps),
  } satisfies Handlers<RequestContext>;
}
