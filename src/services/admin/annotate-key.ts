import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';

export const annotateKey =
  ({ keys }: ServiceDeps): Handler<'admin.annotate_key', RequestContext> =>
  ({ wallet, publicKey, metadata }) =>
    keys.annotate(wallet, publicKey, metadata);
