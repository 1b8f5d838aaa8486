import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const listKeys =
  ({ sessions }: ServiceDeps): Handler<'session.list_keys', RequestContext> =>
  ({ token }, ctx) =>
    sessions.listKeys(token, ctx);
