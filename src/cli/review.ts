import WebSocket from 'ws';
import { JsonRpcError, WalletGatewayClient, webSocketTransport, type Notification } from '../../generated/client.js';
import type { ParamsOf, Review } from '../../generated/types.js';
import { readAdminToken } from '../admin-token.js';
import { adminTokenPath, resolveDataDir } from '../config.js';
import { UsageError, parseFlags } from './args.js';
import { CONNECTION_FLAGS, connect } from './operator.js';
import { promptSecret } from './prompt.js';

export const REVIEW_HELP = `Usage: wallet-gateway review [--admin-url URL] [--token-file FILE] [--data-dir DIR]

Answers the requests that applications make (connections, permission changes,
transactions) from this terminal. It connects to the operator door over
WebSocket, shows every pending request oldest first, then each new one as it
arrives, and asks "Approve? [y/N]". Approving a connection asks which wallet to
connect; approving a transaction on a terminal asks for the wallet's passphrase
without echo (leave it empty if the wallet is already unlocked).

A request that another reviewer (or a timeout) ends first is reported and
skipped. Answers may also come line by line from a pipe; then no passphrase is
asked for. Ctrl+C, SIGTERM or the end of the input stops the reviewer (exit 0);
losing the gateway exits 1.

Options:
  --admin-url URL     the operator door (default http://127.0.0.1:1790)
  --token-file FILE   the operator token (default <data dir>/admin.token)
  --data-dir DIR      the gateway's data directory, to find the token
  -h, --help          show this help
`;

const REVIEW_FLAGS = {
  'admin-url': CONNECTION_FLAGS['admin-url'],
  'token-file': CONNECTION_FLAGS['token-file'],
  'data-dir': CONNECTION_FLAGS['data-dir'],
} as const;

export async function reviewCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, REVIEW_FLAGS);
  if (flags.help) {
    process.stdout.write(REVIEW_HELP);
    return 0;
  }
  // connect() owns the checks and messages for a missing token and the default URL; the WebSocket needs the token itself.
  const { url } = connect(flags);
  const token = readAdminToken(flags['token-file'] ?? adminTokenPath(resolveDataDir(flags['data-dir'])));
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => stop.abort(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await runTerminalReviewer({ url, token, signal: stop.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export interface TerminalReviewerOptions {
  /** The operator door, http(s):// or ws(s)://. */
  url: string;
  /** The operator token; sent on the WebSocket upgrade, never printed. */
  token: string;
  /** Where answers come from: a terminal, or lines from a pipe. */
  input?: NodeJS.ReadStream;
  /** Where requests and questions go. */
  output?: NodeJS.WriteStream;
  /** Where failures go. */
  errors?: NodeJS.WritableStream;
  /** Aborting it stops the reviewer, which then resolves with 0. */
  signal?: AbortSignal;
}

/** The operator door's WebSocket address for its HTTP one. */
export function webSocketUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--admin-url must be a URL, not "${url}"`);
  }
  const protocols: Record<string, string> = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' };
  const protocol = protocols[parsed.protocol];
  if (!protocol) throw new UsageError(`--admin-url must start with http://, https://, ws:// or wss://, not ${parsed.protocol}//`);
  parsed.protocol = protocol;
  return parsed.toString();
}

/**
 * Runs the reviewer until it is stopped (0: signal, end of input) or loses
 * the gateway (1).
 */
export async function runTerminalReviewer(options: TerminalReviewerOptions): Promise<number> {
  const reviewer = new TerminalReviewer(options);
  return reviewer.run();
}

type Ended = { id: string; outcome: string; decidedBy: string };
type StopReason = 'signal' | 'end of input' | 'lost';

/**
 * Lines from the input, taken one question at a time. It only listens while
 * no secret is being asked for, so a passphrase typed in raw mode never lands
 * in the answers.
 */
class LineReader {
  private partial = '';
  private readonly lines: string[] = [];
  private ended = false;
  private waiter: ((line: string | null) => void) | undefined;
  private readonly onData = (chunk: string | Buffer) => {
    this.partial += chunk.toString();
    let at: number;
    while ((at = this.partial.indexOf('\n')) >= 0) {
      this.lines.push(this.partial.slice(0, at).replace(/\r$/, ''));
      this.partial = this.partial.slice(at + 1);
    }
    this.deliver();
  };
  private readonly onEnd = () => {
    if (this.partial !== '') this.lines.push(this.partial);
    this.partial = '';
    this.ended = true;
    this.deliver();
    this.onFinished();
  };

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly onFinished: () => void,
  ) {
    input.setEncoding('utf8');
    input.on('end', this.onEnd);
    this.listen();
  }

  /** True once the input has ended and every line it held has been taken. */
  get exhausted(): boolean {
    return this.ended && this.lines.length === 0;
  }

  /** The next line, or null at the end of the input. Rejects when the signal aborts. */
  next(signal: AbortSignal): Promise<string | null> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiter = undefined;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = (value) => {
        signal.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        resolve(value);
      };
    });
  }

  /** Forgets the complete lines not yet taken. */
  discardWaiting(): void {
    this.lines.length = 0;
  }

  /** Lets someone else read the input for a while (promptSecret). */
  async lend<T>(use: () => Promise<T>): Promise<T> {
    this.input.off('data', this.onData);
    try {
      return await use();
    } finally {
      this.listen();
    }
  }

  close(): void {
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.pause();
  }

  private listen() {
    this.input.on('data', this.onData);
    this.input.resume();
  }

  private deliver() {
    if (!this.waiter) return;
    const line = this.lines.shift();
    if (line !== undefined) this.waiter(line);
    else if (this.ended) this.waiter(null);
  }
}

interface Current {
  review: Review;
  /** Aborted when the review ends elsewhere while we ask about it. */
  ended: AbortController;
  endedInfo?: Ended;
  /** Our own decision is on its way: its "ended" notification is ours, not news. */
  deciding: boolean;
}

const KIND_TITLES: Record<Review['kind'], string> = {
  connection: 'Connection request',
  permissions: 'Permission change',
  transaction: 'Transaction',
};

/** The transaction's facts besides the command, under names a person reads. */
const TRANSACTION_LABELS: Record<string, string> = {
  publicKey: 'Key',
  keyName: 'Key name',
  commandType: 'Type',
  purpose: 'Purpose',
};

class TerminalReviewer {
  private readonly input: NodeJS.ReadStream;
  private readonly output: NodeJS.WriteStream;
  private readonly errors: NodeJS.WritableStream;
  private readonly stop = new AbortController();
  private stopReason: StopReason | undefined;
  private readonly queue: Review[] = [];
  private current: Current | undefined;
  /** Reviews that ended before the initial list arrived, in case the list still holds them. */
  private endedBeforeListing: Set<string> | undefined = new Set();
  private wake: (() => void) | undefined;
  private lines!: LineReader;
  private client!: WalletGatewayClient;
  private socket: WebSocket | undefined;

  constructor(private readonly options: TerminalReviewerOptions) {
    this.input = options.input ?? process.stdin;
    this.output = options.output ?? process.stdout;
    this.errors = options.errors ?? process.stderr;
  }

  async run(): Promise<number> {
    const external = this.options.signal;
    if (external?.aborted) return 0;
    const onExternal = () => this.halt('signal');
    external?.addEventListener('abort', onExternal, { once: true });
    try {
      return await this.serve();
    } finally {
      external?.removeEventListener('abort', onExternal);
      this.lines?.close();
      await this.closeSocket();
    }
  }

  private async serve(): Promise<number> {
    const url = webSocketUrl(this.options.url);
    const socket = await this.open(url);
    if (!socket) return this.stopReason === 'signal' ? 0 : 1;
    this.socket = socket;
    // Listening for the close before the transport does means its rejected calls find us already stopped.
    socket.on('close', (code, reason) => {
      if (this.stopReason) return;
      const why = reason.toString() || `WebSocket code ${code}`;
      this.errors.write(`Lost the connection to the operator door at ${this.options.url} (${why}); the reviewer stops.\n`);
      this.halt('lost');
    });
    socket.on('error', () => undefined); // what follows an error is a close, handled above
    const transport = webSocketTransport(socket as unknown as Parameters<typeof webSocketTransport>[0]);
    transport.onNotification((n) => this.onNotification(n));
    this.client = new WalletGatewayClient(transport);
    this.lines = new LineReader(this.input, () => this.wake?.());

    let listed: Review[];
    try {
      listed = (await this.client.admin.listReviews()).reviews;
    } catch (error) {
      if (this.stopReason) return this.exitCode();
      throw error;
    }
    const skip = this.endedBeforeListing ?? new Set<string>();
    this.endedBeforeListing = undefined;
    for (const review of listed) if (!skip.has(review.id)) this.enqueue(review);
    this.say(`Connected to the operator door at ${this.options.url}. ${this.queue.length ? `${this.queue.length} request(s) waiting.` : 'No request is waiting.'}\n`);

    for (;;) {
      const review = await this.nextReview();
      if (!review) break;
      await this.handle(review);
      if (this.stopReason) break;
    }
    return this.exitCode();
  }

  private exitCode(): number {
    if (this.stopReason === 'end of input') this.say('End of input: the reviewer stops. Requests still waiting stay pending.\n');
    if (this.stopReason === 'signal') this.say('The reviewer stops.\n');
    return this.stopReason === 'lost' ? 1 : 0;
  }

  private open(url: string): Promise<WebSocket | undefined> {
    return new Promise((resolve) => {
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.options.token}` } });
      const onStop = () => {
        socket.terminate();
        resolve(undefined);
      };
      this.stop.signal.addEventListener('abort', onStop, { once: true });
      socket.once('open', () => {
        this.stop.signal.removeEventListener('abort', onStop);
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (error: Error) => {
        this.stop.signal.removeEventListener('abort', onStop);
        if (this.stopReason) return resolve(undefined); // our own terminate() while stopping
        // The message may name the address but never holds the token.
        const refused = /\b401\b/.test(error.message);
        this.errors.write(
          refused
            ? `error: the operator door at ${this.options.url} refused the token; check --token-file / --data-dir\n`
            : `error: cannot reach the operator door at ${this.options.url} (${error.message}); is "wallet-gateway serve" running?\n`,
        );
        resolve(undefined);
      });
    });
  }

  private async closeSocket() {
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    this.stopReason ??= 'signal';
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.close(1000, 'the reviewer stops');
    // A gateway that does not answer the closing handshake must not keep us waiting.
    const timer = setTimeout(() => socket.terminate(), 1000);
    await closed;
    clearTimeout(timer);
  }

  private halt(reason: StopReason) {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.stop.abort(new Error(`the reviewer stops: ${reason}`));
    this.wake?.();
  }

  private onNotification({ method, params }: Notification) {
    if (method === 'admin.review_requested') {
      this.enqueue(params as Review);
      this.wake?.();
    } else if (method === 'admin.review_ended') {
      const ended = params as Ended;
      this.endedBeforeListing?.add(ended.id);
      const current = this.current;
      if (current && current.review.id === ended.id) {
        current.endedInfo = ended;
        if (!current.deciding) current.ended.abort(new Error('ended elsewhere'));
        return;
      }
      const at = this.queue.findIndex((r) => r.id === ended.id);
      if (at >= 0) this.queue.splice(at, 1);
    }
  }

  /** Keeps the queue oldest first, without duplicates (the list and a notification may both bring one). */
  private enqueue(review: Review) {
    if (this.current?.review.id === review.id || this.queue.some((r) => r.id === review.id)) return;
    let at = this.queue.length;
    while (at > 0 && (this.queue[at - 1] as Review).receivedAt > review.receivedAt) at--;
    this.queue.splice(at, 0, review);
  }

  /** The oldest waiting review; waits for one when there is none. Undefined once the reviewer stops. */
  private async nextReview(): Promise<Review | undefined> {
    let announced = false;
    for (;;) {
      if (this.stopReason) return undefined;
      const review = this.queue.shift();
      if (review) return review;
      // Lines left in a closed pipe are answers for requests yet to come.
      if (this.lines.exhausted) {
        this.halt('end of input');
        return undefined;
      }
      if (!announced) this.say('Waiting for requests (Ctrl+C to stop)...\n');
      announced = true;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private async handle(review: Review) {
    const current: Current = { review, ended: new AbortController(), deciding: false };
    this.current = current;
    const signal = AbortSignal.any([this.stop.signal, current.ended.signal]);
    try {
      this.show(review);
      for (;;) {
        const approved = await this.askYesNo('Approve? [y/N] ', signal);
        const params: ParamsOf<'admin.decide_review'> = { id: review.id, approved, reviewer: 'terminal' };
        if (approved && review.kind === 'connection') {
          const wallet = await this.askWallet(signal);
          if (wallet === undefined) continue;
          params.wallet = wallet;
        }
        if (approved && review.kind === 'transaction' && this.input.isTTY) {
          const passphrase = await this.askPassphrase(review.wallet);
          if (passphrase) params.passphrase = passphrase;
        }
        if (current.endedInfo) return this.endedElsewhere(review, current.endedInfo);
        current.deciding = true;
        try {
          await this.client.admin.decideReview(params);
        } catch (error) {
          if (this.stopReason) return;
          if (isReviewNotFound(error)) return this.endedElsewhere(review, current.endedInfo);
          if (!(error instanceof JsonRpcError)) throw error;
          if (current.endedInfo) return this.endedElsewhere(review, current.endedInfo);
          // The request still waits (wrong passphrase, a wallet gone meanwhile): say why and ask again.
          const data = error.data as { message?: string } | undefined;
          this.say(`The gateway refused the decision: ${data?.message ?? error.message}. Answer again.\n`);
          current.deciding = false;
          continue;
        }
        this.say(approved ? `Approved${params.wallet ? `: ${review.hostname} is connected to wallet "${params.wallet}"` : ''}.\n\n` : 'Rejected.\n\n');
        return;
      }
    } catch (error) {
      if (this.stopReason) return;
      if (current.ended.signal.aborted) return this.endedElsewhere(review, current.endedInfo);
      throw error;
    } finally {
      this.current = undefined;
    }
  }

  private endedElsewhere(review: Review, ended: Ended | undefined) {
    const what = `The ${KIND_TITLES[review.kind].toLowerCase()} from ${review.hostname}`;
    const endings: Record<string, string> = {
      timed_out: 'timed out before a decision',
      interrupted: 'was withdrawn: the application went away',
      closed: 'was closed: the gateway is shutting down',
    };
    const how = ended ? (endings[ended.outcome] ?? `was ${ended.outcome} elsewhere, by ${ended.decidedBy}`) : 'was decided elsewhere';
    this.say(`\n${what} ${how}; moving on.\n\n`);
  }

  private show(review: Review) {
    const details = review.details as Record<string, unknown>;
    const lines = [
      `=== ${KIND_TITLES[review.kind]} from ${review.hostname} ===`,
      `  Host:     ${review.hostname}`,
      `  Wallet:   ${review.wallet ?? 'which wallet? (you pick one if you approve)'}`,
    ];
    if (review.kind === 'permissions') {
      lines.push(`  Requested: ${describePermissions(details.requested)}`, `  Current:   ${describePermissions(details.current)}`);
    } else if (review.kind === 'transaction') {
      const { command, ...rest } = details;
      for (const [key, value] of Object.entries(command === undefined ? {} : rest)) {
        if (value === null || value === undefined) continue;
        const label = TRANSACTION_LABELS[key] ?? printable(key);
        lines.push(`  ${`${label}:`.padEnd(10)}${typeof value === 'string' ? printable(value) : JSON.stringify(value)}`);
      }
      lines.push('  Command:', indent(JSON.stringify(command ?? details, null, 2), '    '));
    } else if (Object.keys(details).length > 0) {
      lines.push('  Details:', indent(JSON.stringify(details, null, 2), '    '));
    }
    lines.push(`  Expires:  ${review.expiresAt} (${untilText(review.expiresAt)})`);
    if (this.queue.length > 0) lines.push(`  (${this.queue.length} more waiting)`);
    this.say(`${lines.join('\n')}\n`);
  }

  /** y/yes approves; n/no or an empty answer rejects; anything else asks again. */
  private async askYesNo(question: string, signal: AbortSignal): Promise<boolean> {
    for (;;) {
      const answer = (await this.ask(question, signal)).trim().toLowerCase();
      if (answer === 'y' || answer === 'yes') return true;
      if (answer === '' || answer === 'n' || answer === 'no') return false;
      this.say('Please answer y or n.\n');
    }
  }

  /** The wallet to connect, by number or name; undefined when there is none to pick. */
  private async askWallet(signal: AbortSignal): Promise<string | undefined> {
    const { wallets } = await this.client.admin.listWallets();
    if (wallets.length === 0) {
      this.say('There is no wallet to connect: create or import one first (wallet-gateway wallet create), or reject.\n');
      return undefined;
    }
    this.say(`Which wallet?\n${wallets.map((name, i) => `  ${i + 1}) ${name}`).join('\n')}\n`);
    for (;;) {
      const answer = (await this.ask(`Wallet [1-${wallets.length} or name]: `, signal)).trim();
      const byNumber = /^\d+$/.test(answer) ? wallets[Number(answer) - 1] : undefined;
      const chosen = byNumber ?? wallets.find((name) => name === answer);
      if (chosen !== undefined) return chosen;
      this.say(`There is no wallet "${answer}": answer with a number from 1 to ${wallets.length} or a wallet's name.\n`);
    }
  }

  /** Only on a terminal, without echo; empty means the wallet is expected to be unlocked already. */
  private async askPassphrase(wallet: string | null): Promise<string> {
    const question = `Passphrase for wallet "${wallet ?? '?'}" (leave empty if it is unlocked): `;
    try {
      return await this.lines.lend(() => promptSecret(question, this.input, this.output));
    } catch (error) {
      // Ctrl+C or Ctrl+D in raw mode reach us as a cancelled prompt, not a signal: stop as a signal would.
      this.halt('signal');
      throw error;
    }
  }

  /** One line of answer. The end of the input stops the reviewer. */
  private async ask(question: string, signal: AbortSignal): Promise<string> {
    // On a terminal, an Enter pressed before the question was shown must not answer it (and reject a request unseen).
    // From a pipe, lines sent ahead are the script's answers and are kept.
    if (this.input.isTTY) this.lines.discardWaiting();
    this.say(question);
    const line = await this.lines.next(signal);
    if (line === null) {
      this.say('\n');
      this.halt('end of input');
      throw new Error('end of input');
    }
    // A pipe does not echo: repeat the answer so that a transcript reads like a terminal session.
    if (!this.input.isTTY) this.say(`${line}\n`);
    return line;
  }

  private say(text: string) {
    this.output.write(text);
  }
}

function isReviewNotFound(error: unknown): boolean {
  return error instanceof JsonRpcError && error.code === 2000 && (error.data as { reason?: string } | undefined)?.reason === 'review_not_found';
}

function describePermissions(value: unknown): string {
  if (!value || typeof value !== 'object') return 'none';
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.length ? entries.map(([name, mode]) => `${printable(name)}: ${printable(String(mode))}`).join(', ') : 'none';
}

/** What an application sent may not drive the terminal: control characters (escape sequences) are shown as escapes. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

function untilText(iso: string): string {
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  if (Number.isNaN(seconds)) return 'unknown';
  if (seconds <= 0) return 'now';
  if (seconds < 120) return `in ${seconds} s`;
  return seconds % 60 ? `in ${Math.floor(seconds / 60)} min ${seconds % 60} s` : `in ${seconds / 60} min`;
}
