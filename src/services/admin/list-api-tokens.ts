import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';
import { apiTokenView } from './api-token-view.js';

export const listApiTokens =
  ({ sessions }: ServiceDeps): Handler<'admin.list_api_tokens', RequestContext> =>
  async () => ({ tokens: (await sessions.listApiTokens()).map(apiTokenView) });
