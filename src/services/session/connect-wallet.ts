import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const connectWallet =
  ({ sessions }: ServiceDeps): Handler<'session.connect_wallet', RequestContext> =>
  async ({ hostname }, ctx) => ({ token: await sessions.connect(hostname, ctx.origin, ctx.signal) });
