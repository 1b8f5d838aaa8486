import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';
import { networkView } from './network-view.js';

export const addNetwork =
  ({ networks }: ServiceDeps): Handler<'admin.add_network', RequestContext> =>
  async ({ name, nodes }) => networkView(await networks.add({ name, nodes }), networks.active);
