/**
 * Errors the node client raises towards the rest of the gateway. All of them
 * are network errors (JSON-RPC 1000 on the wire); `reason` tells them apart.
 *
 * Details only ever hold values the client computed itself (counts, HTTP
 * statuses, our own one-line descriptions of a failure, a sanitised summary of
 * a node's error message): never a response body as received, never a node URL.
 */
import { DomainError } from '../domain/errors.js';

export type NodeErrorReason = 'no_healthy_node' | 'last_block_unavailable' | 'transaction_failed' | 'node_rejected_request' | 'node_client_closed';

export class NodeNetworkError extends DomainError {
  constructor(reason: NodeErrorReason, message: string, details: Record<string, unknown> = {}) {
    super('network', reason, message, details);
  }
}

/** No configured node is currently usable (none answered, or every one that answered failed). */
export class NoHealthyNodeError extends NodeNetworkError {
  constructor(details: Record<string, unknown> = {}) {
    super('no_healthy_node', 'no healthy node available', details);
  }
}

/** GET /blockchain/height failed on every node tried. */
export class LastBlockUnavailableError extends NodeNetworkError {
  constructor(details: Record<string, unknown> = {}) {
    super('last_block_unavailable', 'could not get information about the last block on the network', details);
  }
}

/**
 * The transaction could not be handed to a node. `txHash` lets the caller look
 * it up later: when `possiblyDelivered` is true a node may have received it.
 */
export class TransactionFailedError extends NodeNetworkError {
  constructor(details: { txHash: string; attempts: number; cause: string; possiblyDelivered: boolean }) {
    super('transaction_failed', 'the transaction failed', details);
  }
}

/** A node answered HTTP 4xx: the request itself is wrong, asking another node would not help. */
export class NodeRejectedRequestError extends NodeNetworkError {
  constructor(
    readonly status: number,
    readonly summary: string,
  ) {
    super('node_rejected_request', summary ? `the node rejected the request (HTTP ${status}): ${summary}` : `the node rejected the request (HTTP ${status})`, {
      status,
      ...(summary ? { summary } : {}),
    });
  }
}

/** The client was closed (the gateway is shutting down). */
export class NodeClientClosedError extends NodeNetworkError {
  constructor() {
    super('node_client_closed', 'the node client is closed: the gateway is shutting down');
  }
}
