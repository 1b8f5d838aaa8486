import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const revokePermissions =
  ({ sessions }: ServiceDeps): Handler<'admin.revoke_permissions', RequestContext> =>
  async ({ wallet, hostname }) => {
    await sessions.revokePermissions(wallet, hostname);
    return {};
  };
