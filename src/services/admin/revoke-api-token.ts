import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const revokeApiToken =
  ({ sessions }: ServiceDeps): Handler<'admin.revoke_api_token', RequestContext> =>
  async ({ id }) => {
    await sessions.revokeApiToken(id);
    return {};
  };
