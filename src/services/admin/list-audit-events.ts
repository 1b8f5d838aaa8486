import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const listAuditEvents =
  ({ audit }: ServiceDeps): Handler<'admin.list_audit_events', RequestContext> =>
  async ({ wallet, hostname, kind, outcome, since, limit }) => ({
    events: await audit.listAuditEvents({
      limit: limit ?? 100,
      ...(wallet === undefined ? {} : { wallet }),
      ...(hostname === undefined ? {} : { hostname }),
      ...(kind === undefined ? {} : { kind }),
      ...(outcome === undefined ? {} : { outcome }),
      ...(since === undefined ? {} : { since }),
    }),
  });
