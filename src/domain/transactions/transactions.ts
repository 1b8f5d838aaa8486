import { setImmediate as nextTurn } from 'node:timers/promises';
import { schema_TransactionCommand } from '../../../generated/validators.js';
import { linkedController, signalOf, type LazySignal, type LinkedController } from '../../abort.js';
import { then, type Awaitable } from '../../awaitable.js';
import { TransactionFailedError } from '../../node/errors.js';
import type { KeyRecord, WalletStore } from '../../store/store.js';
import { signMessageWithKey, transactionSigningMessage } from '../crypto/ed25519.js';
import { randomUint64 } from '../crypto/random-pool.js';
import { InvalidParamError, KeyNotAllowedError, KeyTaintedError, NodeRejectedTransactionError, ReviewClosedError } from '../errors.js';
import type { NodeClient, Networks, SendingMode } from '../network/networks.js';
import type { ReviewService } from '../review/review-service.js';
import type { Caller, Session, Sessions } from '../session/sessions.js';
import { decodeCommand, encodeCommand, isSupportedCommand } from '../vega/command-codec.js';
import { newTid } from '../vega/pow.js';
import { STRICT_UTF8 } from '../vega/wire.js';
import {
  SIGNATURE_ALGORITHM,
  SIGNATURE_VERSION,
  TX_VERSION_V3,
  encodeInputData,
  encodeTransaction,
  transactionHash,
  transactionJson,
  type SignedTransaction,
} from '../vega/transaction.js';
import type { Keyring } from '../wallet/keyring.js';
import { ChainView } from './chain-view.js';
import { KeyQueue } from './key-queue.js';
import { SpamTracker } from './spam-tracker.js';

export interface ProofOfWorkSolver {
  solve(blockHash: string, tid: string, difficulty: number, signal?: LazySignal): Promise<bigint>;
}

export interface TransactionRequest {
  token: string;
  publicKey: string;
  encodedTransaction: string;
  /** Who asks: its Origin, and its connection's token memo. */
  caller: Caller;
  /** The caller's signal: a function when making it costs (HTTP), as most transactions never wait. */
  signal: LazySignal;
}

export interface Built {
  tx: SignedTransaction;
  bytes: Uint8Array;
  txHash: string;
}

interface Command {
  type: string;
  field: number;
  bytes: Uint8Array;
  /** The command read back from `bytes`: what is shown for review is what gets signed. */
  decoded: Record<string, unknown>;
}

const PATH = '/encodedTransaction';

/** A random nonce in [1, 2^64): the node refuses 0. */
function newNonce(): bigint {
  for (;;) {
    const n = randomUint64();
    if (n !== 0n) return n;
  }
}

/**
 * One transaction being prepared. Its signal follows the caller's and close(); it is made only
 * when a step waits (a person's review, a node request, a proof of work on the workers): a
 * transaction signed against a known block under a policy rule never makes one.
 */
class Preparation {
  #controller: LinkedController | undefined;
  #closed = false;

  constructor(private readonly caller: LazySignal) {}

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = linkedController([signalOf(this.caller)]);
      if (this.#closed) this.#controller.abort(new ReviewClosedError());
    }
    return this.#controller.signal;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
    this.#controller?.abort(new ReviewClosedError());
  }

  release(): void {
    this.#controller?.release();
  }
}

/** The dApp's base64 JSON, checked against the spec's TransactionCommand schema and encoded. */
export function parseCommand(encoded: string): Command {
  let json: unknown;
  try {
    json = JSON.parse(STRICT_UTF8.decode(Buffer.from(encoded, 'base64')));
  } catch {
    throw new InvalidParamError(PATH, 'json', 'the encoded transaction is not JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidParamError(PATH, 'type', 'the encoded transaction must be a JSON object holding one command');
  }
  const names = Object.keys(json);
  const unknown = names.find((n) => !isSupportedCommand(n));
  if (unknown !== undefined) throw new InvalidParamError(PATH, 'command', `the command ${unknown} is not supported by this gateway`);
  if (!schema_TransactionCommand(json)) {
    const error = schema_TransactionCommand.errors?.[0];
    const where = error?.keyword === 'additionalProperties' ? `${error.instancePath}/${String(error.params.additionalProperty)}` : (error?.instancePath ?? '');
    throw new InvalidParamError(`${PATH}${where}`, error?.keyword ?? 'schema', `the command does not match its schema: ${error?.message ?? 'invalid'}`);
  }
  const [type] = names as [string];
  const { field, bytes } = encodeCommand(type, (json as Record<string, Record<string, unknown>>)[type] as Record<string, unknown>);
  return { type, field, bytes, decoded: decodeCommand(field, bytes).value };
}

export interface TransactionsOptions {
  now?: () => Date;
}

/**
 * session.send_transaction, sign_transaction and check_transaction: decode
 * and check the command, authorise the key, review, then (one transaction
 * per key at a time) build it against the last block, sign it, prove work,
 * and hand it to a node.
 */
export class Transactions {
  private readonly queue = new KeyQueue();
  /**
   * One view of the chain and one spam tally per node client: a network switch starts afresh
   * (block heights of another chain say nothing about this one).
   */
  private readonly chains = new WeakMap<NodeClient, { view: ChainView; spam: SpamTracker }>();
  private readonly now: () => Date;
  /** The transactions being prepared (review, build, proof of work); close() ends them. */
  private readonly preparing = new Set<Preparation>();
  private closed = false;

  constructor(
    private readonly sessions: Sessions,
    private readonly wallets: WalletStore,
    private readonly keyring: Keyring,
    private readonly reviews: ReviewService,
    private readonly networks: Networks,
    private readonly pow: ProofOfWorkSolver,
    options: TransactionsOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * The active network's chain id. The signal is only made when the node must
   * be asked: making one per request cost more than the rest of the answer.
   */
  chainId(signal: LazySignal): Awaitable<string> {
    return then(this.networks.client(), (client) => client.knownChainId() ?? client.chainId(signalOf(signal)));
  }

  async send(request: TransactionRequest, mode: SendingMode): Promise<{ receivedAt: string; sentAt: string; txHash: string }> {
    const receivedAt = this.now().toISOString();
    const { built, client } = await this.prepareAndBuild(request, mode);
    const sentAt = this.now().toISOString();
    const result = await client.submitRaw(built.bytes, mode, signalOf(request.signal));
    if (result.code !== 0) throw new NodeRejectedTransactionError(result.code, `the node rejected the transaction (code ${result.code})${result.data ? `: ${result.data}` : ''}`);
    // In COMMIT mode a transaction refused before it reached a block still answers code 0, with no height.
    if (mode === 'TYPE_COMMIT' && result.height === 0n) {
      throw new TransactionFailedError({ txHash: built.txHash, attempts: 1, cause: 'the node did not include it in a block', possiblyDelivered: true });
    }
    return { receivedAt, sentAt, txHash: result.txHash || built.txHash };
  }

  async sign(request: TransactionRequest): Promise<{ transaction: Record<string, unknown>; encodedTransaction: string; txHash: string }> {
    const { built } = await this.prepareAndBuild(request, 'sign');
    return { transaction: transactionJson(built.tx), encodedTransaction: Buffer.from(built.bytes).toString('base64'), txHash: built.txHash };
  }

  async check(request: TransactionRequest): Promise<{ receivedAt: string; sentAt: string; txHash: string }> {
    const receivedAt = this.now().toISOString();
    const { built, client } = await this.prepareAndBuild(request, 'check');
    const sentAt = this.now().toISOString();
    const result = await client.checkRaw(built.bytes, signalOf(request.signal));
    if (result.code !== 0) throw new NodeRejectedTransactionError(result.code, `the node rejected the transaction (code ${result.code})${result.data ? `: ${result.data}` : ''}`);
    return { receivedAt, sentAt, txHash: built.txHash };
  }

  /**
   * Shutdown: a transaction still being prepared ends at once with 3000 (closed
   * by the wallet side), as a request waiting for review does, instead of
   * proving work for many more seconds until the doors drop its connection.
   * One already handed to a node is left to finish within the doors' grace
   * period: cutting it short could hide that the node has it.
   */
  close(): void {
    this.closed = true;
    for (const preparation of this.preparing) preparation.close();
    this.preparing.clear();
  }

  private async prepareAndBuild(request: TransactionRequest, purpose: SendingMode | 'sign' | 'check'): Promise<{ built: Built; client: NodeClient }> {
    if (this.closed) throw new ReviewClosedError();
    const preparation = new Preparation(request.signal);
    this.preparing.add(preparation);
    try {
      const done = await this.prepareAndBuildUnder({ ...request, signal: () => preparation.signal }, purpose);
      // Closed while the last steps ran without waiting: what was built is not handed over.
      if (preparation.closed) throw new ReviewClosedError();
      return done;
    } catch (error) {
      // Whatever the shutdown broke on the way (node call, proof of work), the caller learns that the gateway closed.
      if (preparation.closed) throw new ReviewClosedError();
      throw error;
    } finally {
      preparation.release();
      this.preparing.delete(preparation);
    }
  }

  private async prepareAndBuildUnder(request: TransactionRequest, purpose: SendingMode | 'sign' | 'check'): Promise<{ built: Built; client: NodeClient }> {
    // Bad input is refused before anything else, whoever sends it.
    const command = parseCommand(request.encodedTransaction);
    const session = await this.sessions.resolve(request.token, request.caller);
    const key = await this.authorise(session, request.publicKey);
    const { recorded } = await this.reviews.decision(
      {
        kind: 'transaction',
        hostname: session.hostname ?? `api-token-${session.handle}`,
        wallet: session.wallet,
        commandType: command.type,
        publicKey: key.publicKey,
        details: { publicKey: key.publicKey, keyName: key.name, commandType: command.type, command: command.decoded, purpose },
      },
      request.signal,
    );
    try {
      // Alone, the transaction is built while its approval is written: the thread would only wait
      // for the writer otherwise (one signature at a time: answered a quarter sooner). With others
      // in preparation their work fills that wait, and building beside the writer only slowed both.
      if (this.preparing.size > 1) await recorded;
      // The audit store sends what this turn appended when the turn ends: the build must not hold that up.
      else await nextTurn();
      // The key may have been tainted, or the wallet locked, while the review waited.
      const current = await this.authorise(session, request.publicKey);
      const client = await this.networks.client();
      const built = await this.queue.run(current.publicKey, () => this.build(session.wallet, current, command, client, request.signal, recorded));
      return { built, client };
    } finally {
      // Nothing leaves the gateway before its approval is on record; an approval that could not be recorded is the failure reported.
      await recorded;
    }
  }

  /** The key must be the session's wallet's, visible to it (read access and within its key restriction), and not tainted. */
  private async authorise(session: Session, publicKey: string): Promise<KeyRecord> {
    const key = await this.wallets.findKey(session.wallet, publicKey);
    if (!key || session.permissions.public_keys === 'none' || (session.keys !== null && !session.keys.includes(publicKey))) throw new KeyNotAllowedError();
    if (key.tainted) throw new KeyTaintedError(session.wallet, publicKey);
    return key;
  }

  /** `recorded`: the approval being written; the transaction counts against the key's allowance once it is on record. */
  private async build(wallet: string, key: KeyRecord, command: Command, client: NodeClient, signal: LazySignal, recorded: Promise<void>): Promise<Built> {
    // Fails fast on a locked wallet; asked again below, in case it locked during the node calls.
    this.keyring.signingKey(wallet, key.index, key.publicKey);
    const { view: chain, spam } = this.chainOf(client);
    const [last, stats] = await Promise.all([chain.block(signal), chain.spamStatistics(key.publicKey, signal)]);
    spam.checkLimits(key.publicKey, stats, command);
    // The key has used up its allowance on the block known last: a newer one may have come since.
    const block = spam.hasRoomOn(key.publicKey, last, stats) ? last : await chain.newerBlock(last.height, signal);
    const difficulty = spam.difficultyFor(key.publicKey, block, stats);
    const inputData = encodeInputData({ nonce: newNonce(), blockHeight: block.height, commandField: command.field, command: command.bytes });
    const signature = signMessageWithKey(this.keyring.signingKey(wallet, key.index, key.publicKey), transactionSigningMessage(block.chainId, inputData));
    const tid = newTid();
    const nonce = await this.pow.solve(block.hash, tid, difficulty, signal);
    const tx: SignedTransaction = {
      inputData,
      signature: { value: Buffer.from(signature).toString('hex'), algo: SIGNATURE_ALGORITHM, version: SIGNATURE_VERSION },
      pubKey: key.publicKey,
      version: TX_VERSION_V3,
      pow: { tid, nonce },
    };
    const bytes = encodeTransaction(tx);
    // Within the key's turn: its next transaction is built on this count, and one refused for want of a record is not counted.
    await recorded;
    spam.record(key.publicKey, block.height, stats, command);
    return { tx, bytes, txHash: transactionHash(bytes) };
  }

  private chainOf(client: NodeClient): { view: ChainView; spam: SpamTracker } {
    let chain = this.chains.get(client);
    if (!chain) this.chains.set(client, (chain = { view: new ChainView(client), spam: new SpamTracker() }));
    return chain;
  }
}
