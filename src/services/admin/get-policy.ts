import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const getPolicy =
  ({ reviews }: ServiceDeps): Handler<'admin.get_policy', RequestContext> =>
  () => ({ policy: reviews.getPolicy() });
