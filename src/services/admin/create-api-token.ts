import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';
import { apiTokenView } from './api-token-view.js';

export const createApiToken =
  ({ sessions }: ServiceDeps): Handler<'admin.create_api_token', RequestContext> =>
  async ({ wallet, description, keys, expiresAt }) => {
    const { token, record } = await sessions.createApiToken(wallet, description, keys ?? null, expiresAt ?? null);
    return { token, apiToken: apiTokenView(record) };
  };
