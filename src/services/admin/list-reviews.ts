import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const listReviews =
  ({ reviews }: ServiceDeps): Handler<'admin.list_reviews', RequestContext> =>
  () => ({ reviews: reviews.list() });
