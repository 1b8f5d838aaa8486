import { randomBytes } from 'node:crypto';
import { schema_TransactionCommand } from '../../../generated/validators.js';
import { TransactionFailedError } from '../../node/errors.js';
import type { SpamStatistics } from '../../node/responses.js';
import type { KeyRecord, WalletStore } from '../../store/store.js';
import { signMessageWithKey, transactionSigningMessage } from '../crypto/ed25519.js';
import { InvalidParamError, KeyNotAllowedError, KeyTaintedError, NodeRejectedTransactionError, ReviewClosedError, SpamLimitError } from '../errors.js';
import type { NodeClient, Networks, SendingMode } from '../network/networks.js';
import type { ReviewService } from '../review/review-service.js';
import type { Session, Sessions } from '../session/sessions.js';
import { decodeCommand, encodeCommand, supportedCommands } from '../vega/command-codec.js';
import { newTid } from '../vega/pow.js';
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
import { KeyQueue } from './key-queue.js';
import { SpamTracker } from './spam-tracker.js';

export interface ProofOfWorkSolver {
  solve(blockHash: string, tid: string, difficulty: number, signal?: AbortSignal): Promise<bigint>;
}

export interface TransactionRequest {
  token: string;
  publicKey: string;
  encodedTransaction: string;
  origin: string | undefined;
  signal: AbortSignal;
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
    const n = randomBytes(8).readBigUInt64BE();
    if (n !== 0n) return n;
  }
}

/** The dApp's base64 JSON, checked against the spec's TransactionCommand schema and encoded. */
export function parseCommand(encoded: string): Command {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64')));
  } catch {
    throw new InvalidParamError(PATH, 'json', 'the encoded transaction is not JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidParamError(PATH, 'type', 'the encoded transaction must be a JSON object holding one command');
  }
  const names = Object.keys(json);
  const unknown = names.find((n) => !supportedCommands().includes(n));
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
  private readonly spam = new SpamTracker();
  private readonly now: () => Date;
  /** One controller per transaction being prepared (review, build, proof of work); close() aborts them. */
  private readonly preparing = new Set<AbortController>();
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

  async chainId(signal?: AbortSignal): Promise<string> {
    return (await this.networks.client()).chainId(signal);
  }

  async send(request: TransactionRequest, mode: SendingMode): Promise<{ receivedAt: string; sentAt: string; txHash: string }> {
    const receivedAt = this.now().toISOString();
    const { built, client } = await this.prepareAndBuild(request, mode);
    const sentAt = this.now().toISOString();
    const result = await client.submitRaw(built.bytes, mode, request.signal);
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
    const result = await client.checkRaw(built.bytes, request.signal);
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
    for (const controller of this.preparing) controller.abort(new ReviewClosedError());
    this.preparing.clear();
  }

  private async prepareAndBuild(request: TransactionRequest, purpose: SendingMode | 'sign' | 'check'): Promise<{ built: Built; client: NodeClient }> {
    if (this.closed) throw new ReviewClosedError();
    // Per transaction, so that no long-lived signal collects a record of every request (AbortSignal.any on Node 20).
    const shutdown = new AbortController();
    this.preparing.add(shutdown);
    try {
      return await this.prepareAndBuildUnder({ ...request, signal: AbortSignal.any([request.signal, shutdown.signal]) }, purpose);
    } catch (error) {
      // Whatever the abort broke on the way (node call, proof of work), the caller learns that the gateway closed.
      if (shutdown.signal.aborted) throw shutdown.signal.reason;
      throw error;
    } finally {
      this.preparing.delete(shutdown);
    }
  }

  private async prepareAndBuildUnder(request: TransactionRequest, purpose: SendingMode | 'sign' | 'check'): Promise<{ built: Built; client: NodeClient }> {
    // Bad input is refused before anything else, whoever sends it.
    const command = parseCommand(request.encodedTransaction);
    const session = await this.sessions.resolve(request.token, request.origin);
    const key = await this.authorise(session, request.publicKey);
    await this.reviews.request(
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
    // The key may have been tainted, or the wallet locked, while the review waited.
    const current = await this.authorise(session, request.publicKey);
    const client = await this.networks.client();
    const built = await this.queue.run(current.publicKey, () => this.build(session.wallet, current, command, client, request.signal));
    return { built, client };
  }

  /** The key must be the session's wallet's, visible to it (read access and within its key restriction), and not tainted. */
  private async authorise(session: Session, publicKey: string): Promise<KeyRecord> {
    const key = await this.wallets.findKey(session.wallet, publicKey);
    if (!key || session.permissions.public_keys === 'none' || (session.keys !== null && !session.keys.includes(publicKey))) throw new KeyNotAllowedError();
    if (key.tainted) throw new KeyTaintedError(session.wallet, publicKey);
    return key;
  }

  private async build(wallet: string, key: KeyRecord, command: Command, client: NodeClient, signal: AbortSignal): Promise<Built> {
    // Fails fast on a locked wallet; asked again below, in case it locked during the node calls.
    this.keyring.signingKey(wallet, key.index, key.publicKey);
    const [block, stats] = await Promise.all([client.lastBlock(signal), client.spamStatistics(key.publicKey, signal)]);
    checkCounters(stats, command);
    const difficulty = this.spam.difficultyFor(key.publicKey, block, stats);
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
    this.spam.record(key.publicKey, block.height);
    return { tx, bytes, txHash: transactionHash(bytes) };
  }
}

/** Per-epoch command limits the node reports; going past them gets the key banned, so refuse first. */
function checkCounters(stats: SpamStatistics, command: Command): void {
  if (stats.pow.bannedUntil) throw new SpamLimitError(`the network has banned this key from sending until ${stats.pow.bannedUntil}`);
  const counter =
    command.type === 'delegateSubmission' || command.type === 'undelegateSubmission'
      ? stats.delegations
      : command.type === 'transfer'
        ? stats.transfers
        : command.type === 'applyReferralCode'
          ? stats.applyReferralCode
          : null;
  if (counter && (counter.bannedUntil || counter.countForEpoch >= counter.maxForEpoch)) {
    throw new SpamLimitError(`the key has sent the most ${command.type} commands the network allows this epoch`);
  }
  if (command.type === 'voteSubmission' && stats.votes) {
    const proposal = (command.decoded.proposalId as string | undefined) ?? '';
    const seen = stats.votes.perProposal.find((v) => v.proposal === proposal)?.countForEpoch ?? 0n;
    if (stats.votes.bannedUntil || seen >= stats.votes.maxForEpoch) throw new SpamLimitError('the key has voted on this proposal as often as the network allows this epoch');
  }
}
