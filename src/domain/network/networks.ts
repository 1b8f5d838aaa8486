import type { Awaitable } from '../../awaitable.js';
import type { CheckResult, LastBlock, NodeStatistics, SpamStatistics, SubmitResult } from '../../node/responses.js';
import type { NetworkRecord, NetworkStore } from '../../store/store.js';
import { InvalidParamError, NetworkInUseError, NetworkNotFoundError } from '../errors.js';

export type SendingMode = 'TYPE_ASYNC' | 'TYPE_SYNC' | 'TYPE_COMMIT';

export interface NodeHealth {
  url: string;
  ok: boolean;
  chainId: string | null;
  height: bigint | null;
  latencyMs: number | null;
  error: string | null;
}

/** What the gateway needs from a network's nodes (the Vega core REST API). */
export interface NodeClient {
  lastBlock(signal?: AbortSignal): Promise<LastBlock>;
  statistics(signal?: AbortSignal): Promise<NodeStatistics>;
  /** The chain id the healthy nodes agree on (from the recent health checks, without a request when they are fresh). */
  chainId(signal?: AbortSignal): Promise<string>;
  /** The same, when it is known without a request; undefined otherwise. */
  knownChainId(): string | undefined;
  spamStatistics(party: string, signal?: AbortSignal): Promise<SpamStatistics>;
  submitRaw(bytes: Uint8Array, type: SendingMode, signal?: AbortSignal): Promise<SubmitResult>;
  checkRaw(bytes: Uint8Array, signal?: AbortSignal): Promise<CheckResult>;
  health(): Promise<NodeHealth[]>;
  close(): void | Promise<void>;
}

export type NodeClientFactory = (nodes: string[]) => NodeClient;

/**
 * Refuses node URLs a node client could not use. The spec's NodeUrl pattern
 * lets through strings that are no URL at all for the WHATWG parser
 * ("http://a:b:c", "http://~\"x") or that carry credentials; stored, they
 * broke every later use of the network with an internal error. These are
 * the rules the Vega node client applies when it is built.
 */
export function checkNodeUrls(nodes: readonly string[], path = '/nodes'): void {
  nodes.forEach((raw, i) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new InvalidParamError(`${path}/${i}`, 'url', 'the node URL is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidParamError(`${path}/${i}`, 'url', 'a node URL must use http or https');
    if (url.username || url.password || url.search || url.hash) {
      throw new InvalidParamError(`${path}/${i}`, 'url', 'a node URL must not carry credentials, a query or a fragment');
    }
  });
}

/**
 * The networks the gateway knows (stored) and the one session methods use
 * (chosen at start). Keeps one node client per network in use, rebuilt when
 * its nodes change.
 */
export class Networks {
  /** The active network's client, or the promise of it while it is being made (one for all callers). */
  private activeClient: Awaitable<NodeClient> | undefined;

  constructor(
    private readonly store: NetworkStore,
    private readonly factory: NodeClientFactory,
    readonly active: string,
  ) {}

  /** The node client of the active network; once made, without a promise. */
  client(): Awaitable<NodeClient> {
    if (!this.activeClient) {
      // Concurrent first callers share one client: each making its own left all but one unclosed,
      // and split the chain view and spam tally that transactions keep per client.
      const made = this.require(this.active).then((network) => this.factory(network.nodes));
      this.activeClient = made;
      made.then(
        (client) => {
          if (this.activeClient === made) this.activeClient = client;
        },
        // A failed lookup is not kept: the next caller tries again.
        () => {
          if (this.activeClient === made) this.activeClient = undefined;
        },
      );
    }
    return this.activeClient;
  }

  list(): Promise<NetworkRecord[]> {
    return this.store.listNetworks();
  }

  async describe(name: string): Promise<NetworkRecord & { health: NodeHealth[] }> {
    const network = await this.require(name);
    // A client of its own, also for the active network: the active client's health is a probe of up
    // to a few seconds ago, and the spec promises that every node is asked now.
    const client = this.factory(network.nodes);
    try {
      return { ...network, health: await client.health() };
    } finally {
      await client.close();
    }
  }

  async add(network: NetworkRecord): Promise<NetworkRecord> {
    checkNodeUrls(network.nodes);
    await this.store.insertNetwork(network);
    return network;
  }

  /** Creates or replaces without asking; for the local development node registered at start. */
  async register(network: NetworkRecord): Promise<void> {
    await this.store.upsertNetwork(network);
    if (network.name === this.active) await this.dropClient();
  }

  async update(network: NetworkRecord): Promise<NetworkRecord> {
    checkNodeUrls(network.nodes);
    if (!(await this.store.updateNetwork(network))) throw new NetworkNotFoundError(network.name);
    if (network.name === this.active) await this.dropClient();
    return network;
  }

  async remove(name: string): Promise<void> {
    if (name === this.active) throw new NetworkInUseError(name);
    if (!(await this.store.removeNetwork(name))) throw new NetworkNotFoundError(name);
  }

  async close(): Promise<void> {
    await this.dropClient();
  }

  private async dropClient(): Promise<void> {
    const client = this.activeClient;
    this.activeClient = undefined;
    await (await Promise.resolve(client).catch(() => undefined))?.close();
  }

  private async require(name: string): Promise<NetworkRecord> {
    const network = await this.store.findNetwork(name);
    if (!network) throw new NetworkNotFoundError(name);
    return network;
  }
}
