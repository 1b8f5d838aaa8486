import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const removeNetwork =
  ({ networks }: ServiceDeps): Handler<'admin.remove_network', RequestContext> =>
  async ({ name }) => {
    await networks.remove(name);
    return {};
  };
