import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const requestPermissions =
  ({ sessions }: ServiceDeps): Handler<'session.request_permissions', RequestContext> =>
  async ({ token, requestedPermissions }, ctx) => ({
    permissions: await sessions.requestPermissions(token, requestedPermissions, ctx, ctx.signal),
  });
