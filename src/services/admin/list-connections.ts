import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const listConnections =
  ({ sessions }: ServiceDeps): Handler<'admin.list_connections', RequestContext> =>
  async () => ({
    connections: (await sessions.listConnections()).map(({ wallet, hostname, connectedAt, lastUsedAt, expiresAt }) => ({
      wallet,
      hostname,
      connectedAt,
      lastUsedAt,
      expiresAt,
    })),
  });
