import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const taintKey =
  ({ keys }: ServiceDeps): Handler<'admin.taint_key', RequestContext> =>
  ({ wallet, publicKey }) =>
    keys.setTainted(wallet, publicKey, true);
