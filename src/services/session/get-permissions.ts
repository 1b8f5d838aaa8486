import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const getPermissions =
  ({ sessions }: ServiceDeps): Handler<'session.get_permissions', RequestContext> =>
  ({ token }, ctx) =>
    sessions.getPermissions(token, ctx);
