import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const describeKey =
  ({ keys }: ServiceDeps): Handler<'admin.describe_key', RequestContext> =>
  ({ wallet, publicKey }) =>
    keys.describe(wallet, publicKey);
