import type { Handler } from '../../../generated/handlers.js';
import type { RequestContext, Door } from '../../rpc/context.js';
import { DOOR_NAMESPACES } from '../../rpc/dispatcher.js';
import type { OpenRpcDocument, ServiceDeps } from '../deps.js';

/** The document as one door serves it: only that door's methods and servers. */
export function documentForDoor(document: OpenRpcDocument, door: Door): OpenRpcDocument {
  const namespaces = DOOR_NAMESPACES[door] as readonly string[];
  const servers = Array.isArray(document.servers) ? (document.servers as { name?: string }[]) : [];
  return {
    ...document,
    servers: servers.filter((s) => s.name === `${door} door`),
    methods: document.methods.filter((m) => namespaces.includes(m.name.split('.')[0] ?? '')),
  };
}

export const discover = ({ document }: ServiceDeps): Handler<'rpc.discover', RequestContext> => {
  const byDoor = { application: documentForDoor(document, 'application'), operator: documentForDoor(document, 'operator') };
  return async (_params, ctx) => byDoor[ctx.door];
};
