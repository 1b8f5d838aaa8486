import type { Answer } from '../../../generated/handlers.js';
import type { ApiToken } from '../../../generated/types.js';
import type { ApiTokenRecord } from '../../store/store.js';

/** An API token as the operator sees it: never its value or hash. */
export const apiTokenView = (t: ApiTokenRecord): Answer<ApiToken> => ({
  id: t.id,
  wallet: t.wallet,
  description: t.description,
  keys: t.keys,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  lastUsedAt: t.lastUsedAt,
});
