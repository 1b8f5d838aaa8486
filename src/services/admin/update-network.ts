import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';
import { networkView } from './network-view.js';

export const updateNetwork =
  ({ networks }: ServiceDeps): Handler<'admin.update_network', RequestContext> =>
  async ({ name, nodes }) => networkView(await networks.update({ name, nodes }), networks.active);
