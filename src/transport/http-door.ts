import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Awaitable } from '../awaitable.js';
import type { Logger } from '../logger.js';
import { TokenHashMemo } from '../token-hash-memo.js';
import type { Door, RequestContext } from '../rpc/context.js';
import type { Dispatcher } from '../rpc/dispatcher.js';
import { ErrorCode, RpcError } from '../rpc/errors.js';
import type { FailureLimiter } from '../rpc/failure-limiter.js';
import { listen, refuseUnparsableRequests } from './listen.js';

export interface TransportLimits {
  /** Largest HTTP body accepted, in bytes. */
  maxBodyBytes: number;
  /** Largest WebSocket message accepted, in bytes. */
  maxWsMessageBytes: number;
  /** Time allowed to receive the request headers. */
  headersTimeoutMs: number;
  /** Time allowed to receive a whole request (not to answer it: reviews may take minutes). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive HTTP connection stays open. */
  keepAliveTimeoutMs: number;
  /** A WebSocket peer that does not answer a ping within this time is dropped. */
  wsHeartbeatMs: number;
}

export const DEFAULT_LIMITS: TransportLimits = {
  maxBodyBytes: 1024 * 1024,
  maxWsMessageBytes: 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  wsHeartbeatMs: 30_000,
};

export interface HttpDoorOptions {
  door: Door;
  host: string;
  port: number;
  dispatcher: Dispatcher;
  logger: Logger;
  limits: TransportLimits;
  /** The door's OpenRPC document, served at GET /openrpc.json. */
  documentJson: string;
  /** Answer CORS preflights so browser pages may call this door. */
  cors: boolean;
  /** When set, POST and WebSocket upgrades must carry a bearer token that this accepts. */
  authenticate?: (bearerToken: string | undefined) => boolean;
  /** Counts wrong bearer tokens per address, and refuses an address that keeps sending them. */
  failures?: FailureLimiter;
}

export interface HttpDoor {
  readonly url: string;
  readonly port: number;
  /** Sends a notification to every WebSocket client of this door. */
  broadcast(method: string, params: unknown): void;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json';

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function isJsonContentType(header: string | undefined): boolean {
  if (header === JSON_TYPE) return true;
  if (!header) return false;
  const type = header.split(';')[0]?.trim().toLowerCase();
  return type === JSON_TYPE || (type !== undefined && type.startsWith('application/') && type.endsWith('+json'));
}

/** One token memo per HTTP connection: a keep-alive client sends its token again with every request. */
const tokenMemos = new WeakMap<Socket, TokenHashMemo>();

/**
 * The context of one HTTP request. Its `signal` (aborted when the caller goes away before its
 * answer) is made on first use, together with the listener that aborts it: most methods
 * (list_keys, get_chain_id) never look at it. A class with the getter on its prototype, not an
 * object literal with a getter: V8 builds such literals on a slow path.
 */
class HttpRequestContext implements RequestContext {
  readonly transport = 'http';
  readonly notify = undefined;
  private abort: AbortController | undefined = undefined;

  constructor(
    readonly door: Door,
    readonly origin: string | undefined,
    readonly remoteAddress: string | undefined,
    private readonly res: ServerResponse,
    private readonly socket: Socket,
  ) {}

  /** The memo of the keep-alive connection this request came on, made when a token first needs it. */
  get tokenHashes(): TokenHashMemo {
    let memo = tokenMemos.get(this.socket);
    if (memo === undefined) {
      memo = new TokenHashMemo();
      tokenMemos.set(this.socket, memo);
    }
    return memo;
  }

  get signal(): AbortSignal {
    if (!this.abort) {
      const abort = (this.abort = new AbortController());
      const res = this.res;
      // Asked for after the caller left: it starts aborted.
      if ((res.destroyed || res.socket?.destroyed) && !res.writableFinished) abort.abort();
      else res.once('close', () => res.writableFinished || abort.abort());
    }
    return this.abort.signal;
  }
}

const rpcErrorBody = (code: number, message: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id: null, error: new RpcError(code, { message, ...extra }).toJSON() });

/**
 * One door: JSON-RPC over HTTP POST and WebSocket on the same port, plus
 * GET /health and GET /openrpc.json. Transport concerns only: limits, CORS,
 * authentication, and turning connection loss into an aborted signal.
 */
export async function startHttpDoor(options: HttpDoorOptions): Promise<HttpDoor> {
  const { dispatcher, limits, logger } = options;
  const sockets = new Set<Socket>();
  const clients = new Set<WebSocket>();

  /** Hands the text to the dispatcher; `reply` gets the answer at once when it is ready at once. */
  const handleText = (text: string, ctx: RequestContext, reply: (answer: string | null) => void, fail: (error: unknown) => void) => {
    let answer: Awaitable<string | null>;
    try {
      answer = dispatcher.handleText(text, ctx);
    } catch (error) {
      fail(error);
      return;
    }
    if (answer instanceof Promise) answer.then(reply, fail);
    else reply(answer);
  };

  // CORS headers only mean something to a browser, and a browser always names its Origin on the
  // requests that need them (preflights and cross-origin POSTs). Bots and curl send no Origin, so
  // their answers skip these five headers: Node checks every header it writes, per response.
  const corsHeaders = (req: IncomingMessage, into: Record<string, string | number>): void => {
    if (!options.cors || req.headers.origin === undefined) return;
    into['access-control-allow-origin'] = req.headers.origin;
    into['access-control-allow-methods'] = 'GET, POST, OPTIONS';
    into['access-control-allow-headers'] = 'content-type, authorization';
    into['access-control-max-age'] = '600';
    into.vary = 'origin';
  };

  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: string | null, headers?: Record<string, string>) => {
    // The socket is idle again (see `busy`), whether or not the answer can still be written.
    busy.delete(req.socket);
    if (res.headersSent || res.destroyed) return;
    const all: Record<string, string | number> = {};
    corsHeaders(req, all);
    if (headers) Object.assign(all, headers);
    if (body !== null) {
      all['content-type'] = `${JSON_TYPE}; charset=utf-8`;
      all['content-length'] = Buffer.byteLength(body);
    }
    res.writeHead(status, all);
    res.end(body ?? undefined);
  };

  /** Checks the bearer token where one is needed; false when the request has been answered (refused). */
  const admit = (req: IncomingMessage, refuse: (status: number, body: string, headers: Record<string, string>) => void): boolean => {
    if (!options.authenticate) return true;
    const source = req.socket.remoteAddress ?? 'unknown';
    const wait = options.failures?.retryAfterMs(source) ?? 0;
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      refuse(429, rpcErrorBody(ErrorCode.LimitExceeded, `too many failed attempts from this address; try again in ${seconds} s`, { retryAfterSeconds: seconds }), {
        'retry-after': String(seconds),
      });
      return false;
    }
    if (options.authenticate(bearerToken(req))) return true;
    options.failures?.recordFailure(source);
    refuse(401, rpcErrorBody(ErrorCode.AuthenticationFailure, 'this door needs the header "Authorization: Bearer <token>" with the operator token'), {
      'www-authenticate': 'Bearer',
    });
    return false;
  };

  const tooLarge = (req: IncomingMessage, res: ServerResponse) => {
    send(req, res, 413, rpcErrorBody(ErrorCode.InvalidRequest, `the body is larger than the limit of ${limits.maxBodyBytes} bytes`, { limit: limits.maxBodyBytes }), {
      connection: 'close',
    });
    req.resume();
  };

  const dispatch = (req: IncomingMessage, res: ServerResponse, ctx: HttpRequestContext, body: Buffer) => {
    const reply = (answer: string | null) => (answer === null ? send(req, res, 204, null) : send(req, res, 200, answer));
    const fail = (error: unknown) => {
      logger.error('HTTP request failed', { error });
      send(req, res, 500, rpcErrorBody(ErrorCode.InternalError, 'the request could not be handled'));
    };
    handleText(body.toString('utf8'), ctx, reply, fail);
  };

  /** POST /: checks, then reads the body with plain listeners (no promise per request) and dispatches it. */
  const handlePost = (req: IncomingMessage, res: ServerResponse) => {
    const ctx = new HttpRequestContext(options.door, req.headers.origin, req.socket.remoteAddress, res, req.socket);
    if (!admit(req, (status, body, headers) => send(req, res, status, body, headers))) return;
    // Requiring JSON also makes browsers send a CORS preflight first, so a page cannot post a "simple" form request here.
    if (!isJsonContentType(req.headers['content-type'])) {
      send(req, res, 415, rpcErrorBody(ErrorCode.InvalidRequest, `the Content-Type must be ${JSON_TYPE}`));
      req.resume();
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (declared > limits.maxBodyBytes) {
      tooLarge(req, res);
      return;
    }
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limits.maxBodyBytes) {
        refused = true;
        tooLarge(req, res);
      } else if (first === undefined) {
        first = chunk;
      } else {
        (more ??= [first]).push(chunk);
      }
    });
    req.on('end', () => {
      if (refused) return;
      // Small requests arrive in one chunk: no copy needed.
      dispatch(req, res, ctx, more ? Buffer.concat(more, size) : (first ?? Buffer.alloc(0)));
    });
    req.on('error', () => {
      refused = true;
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    busy.add(req.socket);
    const url = req.url ?? '/';
    const path = url === '/' ? url : url.split('?')[0];
    if (req.method === 'POST' && path === '/') {
      handlePost(req, res);
      return;
    }
    if (req.method === 'OPTIONS') {
      send(req, res, options.cors ? 204 : 405, null, options.cors ? {} : { allow: 'GET, POST' });
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      send(req, res, 200, JSON.stringify({ status: 'ok', door: options.door }));
      return;
    }
    if (req.method === 'GET' && path === '/openrpc.json') {
      send(req, res, 200, options.documentJson);
      return;
    }
    if (req.method === 'POST' || req.method === 'GET') {
      send(req, res, 404, rpcErrorBody(ErrorCode.InvalidRequest, `nothing is served at ${req.method} ${path}; JSON-RPC requests go to POST /`));
      return;
    }
    send(req, res, 405, rpcErrorBody(ErrorCode.InvalidRequest, `method ${req.method} is not allowed`), { allow: 'GET, POST, OPTIONS' });
  };

  // Sockets with a request in progress: handle() marks them, send() clears the mark. The others can be
  // cut at once on shutdown (closeIdleConnections() misses sockets that never sent a request, as
  // fetch's spare connections). A socket whose caller left keeps its mark until it closes.
  const busy = new WeakSet<Socket>();
  const server: Server = createServer(handle);
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxHeadersCount = 100;
  refuseUnparsableRequests(server);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxWsMessageBytes });
  server.on('upgrade', (req, socket, head) => {
    const refused = !admit(req, (status, body, headers) => {
      const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Too Many Requests'}\r\n${extra}content-type: application/json\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
    if (refused) return;
    wss.handleUpgrade(req, socket, head, (ws) => serveWebSocket(ws, req, socket));
  });

  const serveWebSocket = (ws: WebSocket, req: IncomingMessage, socket: Duplex) => {
    clients.add(ws);
    // Answers that are ready in the same turn of the event loop (a pipelining client's requests
    // arrive several to a packet) leave in one write, one system call, instead of one each.
    let corked = false;
    const uncork = () => {
      corked = false;
      socket.uncork();
    };
    const send = (frame: string) => {
      if (ws.readyState !== ws.OPEN) return;
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      ws.send(frame);
    };
    // Aborted when the connection closes. Every request of it that waits (a review, a node request)
    // waits on this one signal, through onAbort (src/abort.ts): one listener on it however many wait.
    const abort = new AbortController();
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    const heartbeat = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, limits.wsHeartbeatMs);
    heartbeat.unref();
    const notify = (method: string, params: unknown) => {
      send(JSON.stringify({ jsonrpc: '2.0', method, params }));
    };
    const answered = (answer: string | null) => {
      if (answer !== null) send(answer);
    };
    const failed = (error: unknown) => logger.error('WebSocket message failed', { error });
    const ctx: RequestContext = {
      door: options.door,
      transport: 'ws',
      origin: req.headers.origin,
      remoteAddress: req.socket.remoteAddress,
      signal: abort.signal,
      tokenHashes: new TokenHashMemo(),
      notify,
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        send(rpcErrorBody(ErrorCode.ParseError, 'binary frames are not accepted; send JSON-RPC as text frames'));
        return;
      }
      // ws hands over a Buffer (its default binaryType): decoded in place, not copied first.
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
      handleText(text, ctx, answered, failed);
    });
    ws.on('error', (error) => logger.debug('WebSocket error', { message: error.message }));
    ws.on('close', () => {
      clearInterval(heartbeat);
      clients.delete(ws);
      abort.abort();
    });
  };

  const { url, port } = await listen(server, options.port, options.host);

  return {
    url,
    port,
    broadcast(method, params) {
      const frame = JSON.stringify({ jsonrpc: '2.0', method, params });
      for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(frame);
    },
    async close() {
      for (const ws of clients) ws.close(1001, 'the gateway is shutting down');
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
      // Give in-flight answers a moment, then cut what is left.
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
        for (const ws of clients) ws.terminate();
      }, 2000);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}
