import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const closeConnection =
  ({ sessions }: ServiceDeps): Handler<'admin.close_connection', RequestContext> =>
  async ({ wallet, hostname }) => {
    await sessions.closeConnection(wallet, hostname);
    return {};
  };
