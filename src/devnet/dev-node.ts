/**
 * DevNode: a local, single-process stand-in for a Vega core node, for wallets
 * to sign against and submit to. It owns the clock (block production), the
 * REST server and the optional data file; the rules live in Chain.
 */
import { Chain, type Block, type ChainParams, type FoundTransaction } from './chain.js';
import { resolveOptions, type DevNodeOptions, type ResolvedOptions } from './options.js';
import { GRPC, RestError } from './rest-json.js';
import { startRestServer, type RestServer } from './rest-server.js';
import { ChainFileError, readChainFile, writeChainFile } from './store.js';
import type { NodeInfo } from './views.js';

export interface MinedBlock {
  height: bigint;
  hash: string;
  /** Unix nanoseconds. */
  time: bigint;
  transactions: Array<{ hash: string; code: number; data: string }>;
}

interface Waiter {
  resolve(result: { height: bigint; code: number; data: string }): void;
  reject(error: RestError): void;
  timer: NodeJS.Timeout;
}

/** Wall-clock nanoseconds: Date.now() for the epoch, hrtime for the digits below a millisecond. */
function clock(): () => bigint {
  const wall = BigInt(Date.now()) * 1_000_000n;
  const mono = process.hrtime.bigint();
  return () => wall + (process.hrtime.bigint() - mono);
}

export class DevNode {
  private timer: NodeJS.Timeout | undefined;
  private isPaused: boolean;
  private closed = false;
  private readonly waiters = new Map<string, Waiter[]>();

  private constructor(
    private readonly chain: Chain,
    private readonly options: ResolvedOptions,
    private readonly now: () => bigint,
    private server: RestServer | undefined,
  ) {
    this.isPaused = options.paused;
  }

  /** Starts serving; with a data file, continues the chain saved there. */
  static async start(options: DevNodeOptions = {}): Promise<DevNode> {
    const resolved = resolveOptions(options);
    const now = clock();
    const chain = openChain(resolved, options, now());
    const node = new DevNode(chain, resolved, now, undefined);
    const info: NodeInfo = {
      startedAt: now(),
      appVersion: resolved.appVersion,
      appVersionHash: 'wallet-gateway-devnet',
      chainVersion: '0.38.8',
      blockTimeMs: resolved.blockTimeMs,
    };
    node.server = await startRestServer({
      host: resolved.host,
      port: resolved.port,
      backend: { chain, info, logger: resolved.logger, now, waitForInclusion: (hash) => node.waitForInclusion(hash) },
    });
    if (resolved.dataFile) node.save();
    node.schedule();
    resolved.logger.info('dev node started', { url: node.url, chainId: resolved.chainId, height: chain.height.toString() });
    return node;
  }

  /** Base URL of the REST API, e.g. http://127.0.0.1:41234. */
  get url(): string {
    return this.requireServer().url;
  }
  get port(): number {
    return this.requireServer().port;
  }
  get chainId(): string {
    return this.options.chainId;
  }
  /** Height of the last block. */
  get height(): bigint {
    return this.chain.height;
  }
  /** Hash of the last block (the PoW input for transactions referencing it). */
  get blockHash(): string {
    return this.chain.hash;
  }
  get paused(): boolean {
    return this.isPaused;
  }
  /** Transactions accepted into the mempool and waiting for the next block. */
  get pendingTransactions(): number {
    return this.chain.mempoolSize;
  }

  /** The (deterministic) hash of any height, mined yet or not. */
  blockHashAt(height: bigint): string {
    return this.chain.hashAt(height);
  }

  /** Commits a block now, with whatever is in the mempool; the block timer restarts from here. */
  mineBlock(): MinedBlock {
    if (this.closed) throw new Error('the dev node is closed');
    const previous = this.chain.time;
    const now = this.now();
    // Block times strictly increase even if the wall clock steps back.
    const block = this.chain.mine(now > previous ? now : previous + 1n);
    this.afterBlock(block);
    this.schedule();
    return {
      height: block.height,
      hash: block.hash,
      time: block.time,
      transactions: block.txs.map((tx) => ({ hash: tx.hash, code: tx.code, data: tx.data })),
    };
  }

  /** Stops automatic blocks; mineBlock() still works. */
  pause(): void {
    this.isPaused = true;
    this.clearTimer();
  }

  resume(): void {
    this.isPaused = false;
    this.schedule();
  }

  /** A transaction included in a block (either hash case), with its result; undefined while pending or unknown. */
  findTransaction(hash: string): FoundTransaction | undefined {
    return this.chain.find(hash);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    for (const [, list] of this.waiters) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.reject(new RestError(503, GRPC.Unavailable, 'the node is shutting down'));
      }
    }
    this.waiters.clear();
    // Let the rejected commit requests write their answers before the sockets go.
    await new Promise((resolve) => setImmediate(resolve));
    await this.server?.close();
    this.options.logger.info('dev node stopped', { height: this.chain.height.toString() });
  }

  private requireServer(): RestServer {
    if (!this.server) throw new Error('the dev node is not serving yet');
    return this.server;
  }

  private schedule(): void {
    this.clearTimer();
    if (this.closed || this.isPaused || this.options.blockTimeMs === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.mineBlock();
      } catch (error) {
        this.options.logger.error('dev node could not make a block', { error });
        this.schedule();
      }
    }, this.options.blockTimeMs);
    // Block production alone must not keep a process alive.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private afterBlock(block: Block): void {
    if (this.options.dataFile) this.save();
    for (const tx of block.txs) {
      const list = this.waiters.get(tx.hash);
      if (!list) continue;
      this.waiters.delete(tx.hash);
      for (const w of list) {
        clearTimeout(w.timer);
        w.resolve({ height: block.height, code: tx.code, data: tx.data });
      }
    }
    if (block.txs.length > 0) this.options.logger.debug('dev node block', { height: block.height.toString(), txs: block.txs.length });
  }

  private save(): void {
    try {
      writeChainFile(this.options.dataFile as string, this.chain.snapshot());
    } catch (error) {
      // The chain goes on in memory; losing the file is reported, not fatal.
      this.options.logger.error('dev node could not save its data file', { file: this.options.dataFile, error });
    }
  }

  private waitForInclusion(hash: string): Promise<{ height: bigint; code: number; data: string }> {
    const found = this.chain.find(hash);
    if (found) return Promise.resolve({ height: found.height, code: found.code, data: found.data });
    if (this.closed) return Promise.reject(new RestError(503, GRPC.Unavailable, 'the node is shutting down'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const list = this.waiters.get(hash) ?? [];
          const rest = list.filter((w) => w !== waiter);
          if (rest.length) this.waiters.set(hash, rest);
          else this.waiters.delete(hash);
          // CometBFT's broadcast_tx_commit timeout, surfaced by core as an internal error.
          reject(new RestError(500, GRPC.Internal, 'timed out waiting for tx to be included in a block'));
        }, this.options.commitTimeoutMs),
      };
      waiter.timer.unref();
      const list = this.waiters.get(hash);
      if (list) list.push(waiter);
      else this.waiters.set(hash, [waiter]);
    });
  }
}

/** A new chain, or the one in the data file — which must belong to the same network as the options ask for. */
function openChain(resolved: ResolvedOptions, given: DevNodeOptions, genesisTime: bigint): Chain {
  const params = (chainId: string, blockHashSeed: string, startHeight: bigint): ChainParams => ({
    chainId,
    blockHashSeed,
    startHeight,
    difficulty: resolved.powDifficulty,
    numberOfPastBlocks: resolved.numberOfPastBlocks,
    txPerBlock: resolved.txPerBlock,
    increasingDifficulty: resolved.increasingDifficulty,
    epochLengthBlocks: resolved.epochLengthBlocks,
    ...(resolved.decodeCommand ? { decodeCommand: resolved.decodeCommand } : {}),
  });
  const saved = resolved.dataFile ? readChainFile(resolved.dataFile) : undefined;
  if (!saved) return Chain.create(params(resolved.chainId, resolved.blockHashSeed, resolved.startHeight), genesisTime);

  // Identity comes from the file; options that were given explicitly must agree with it.
  const file = resolved.dataFile as string;
  if (given.chainId !== undefined && given.chainId !== saved.chainId) throw new ChainFileError(file, `holds chain "${saved.chainId}", not "${given.chainId}"`);
  if (given.blockHashSeed !== undefined && given.blockHashSeed !== saved.blockHashSeed) throw new ChainFileError(file, 'was made with another blockHashSeed');
  if (given.startHeight !== undefined && given.startHeight !== saved.startHeight) throw new ChainFileError(file, `starts at height ${saved.startHeight}, not ${given.startHeight}`);
  const p = params(saved.chainId, saved.blockHashSeed, saved.startHeight);
  const chain = Chain.restore(p, saved);
  // Later code reads these from the resolved options; keep them in line with the file.
  resolved.chainId = saved.chainId;
  resolved.blockHashSeed = saved.blockHashSeed;
  resolved.startHeight = saved.startHeight;
  return chain;
}
