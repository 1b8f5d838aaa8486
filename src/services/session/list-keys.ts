import type { Handler } from '../../../generated/handlers.js';
import type { Awaitable } from '../../awaitable.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const listKeys =
  ({ sessions }: ServiceDeps): Handler<'session.list_keys', RequestContext> =>
  ({ token }, ctx) =>
    // The list may be the store's shared, frozen one: the dispatcher only encodes it.
    sessions.listKeys(token, ctx) as Awaitable<string[]>;
