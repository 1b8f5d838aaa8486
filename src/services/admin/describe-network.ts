import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext } from '../../rpc/context.js';
import type { ServiceDeps } from '../deps.js';
import { networkView } from './network-view.js';

export const describeNetwork =
  ({ networks }: ServiceDeps): Handler<'admin.describe_network', RequestContext> =>
  async ({ name }) => {
    const described = await networks.describe(name);
    return {
      ...networkView(described, networks.active),
      health: described.health.map(({ url, ok, chainId, height, latencyMs, error }) => ({
        url,
        ok,
        chainId,
        height: height === null ? null : height.toString(),
        latencyMs,
        error,
      })),
    };
  };
