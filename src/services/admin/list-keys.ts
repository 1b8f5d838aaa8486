import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const listKeys =
  ({ keys }: ServiceDeps): Handler<'admin.list_keys', RequestContext> =>
  async ({ wallet }) => ({
    keys: (await keys.list(wallet)).map(({ publicKey, name, index, tainted }) => ({ publicKey, name, index, tainted })),
  });
