import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const listWallets =
  ({ wallets }: ServiceDeps): Handler<'admin.list_wallets', RequestContext> =>
  async ({ limit, after }) => wallets.list({ limit, after });
