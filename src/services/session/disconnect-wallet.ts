import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const disconnectWallet =
  ({ sessions }: ServiceDeps): Handler<'session.disconnect_wallet', RequestContext> =>
  async ({ token }) => {
    await sessions.disconnect(token);
    return null;
  };
