import type { Network } from '../../../generated/types.js';
import type { NetworkRecord } from '../../store/store.js';

/** The stored node list is never empty (the schema's minItems holds on the way in). */
export const networkView = (network: NetworkRecord, active: string): Network => ({
  name: network.name,
  nodes: network.nodes as Network['nodes'],
  active: network.name === active,
});
