import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const setPolicy =
  ({ reviews }: ServiceDeps): Handler<'admin.set_policy', RequestContext> =>
  async ({ policy }) => {
    await reviews.setPolicy(policy);
    return { policy: reviews.getPolicy() };
  };
