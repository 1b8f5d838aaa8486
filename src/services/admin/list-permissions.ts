import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const listPermissions =
  ({ sessions }: ServiceDeps): Handler<'admin.list_permissions', RequestContext> =>
  async ({ wallet }) => ({
    permissions: (await sessions.listPermissions(wallet)).map((p) => ({ hostname: p.hostname, permissions: { public_keys: p.publicKeys }, keys: p.keys })),
  });
