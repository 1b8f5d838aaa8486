import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';
import { networkView } from './network-view.js';

export const listNetworks =
  ({ networks }: ServiceDeps): Handler<'admin.list_networks', RequestContext> =>
  async () => ({ networks: (await networks.list()).map((n) => networkView(n, networks.active)) });
