/** The local development node: a Vega-core-like REST API over an in-process chain. */
export { DevNode, type MinedBlock } from './dev-node.js';
export { DEFAULT_CHAIN_ID, type DevNodeOptions } from './options.js';
export type { FoundTransaction } from './chain.js';
export { blockHashFor } from './block-hash.js';
export { CODE_DECODING_FAILURE, CODE_OK, CODE_SPAM } from './codes.js';
