/**
 * The HTTP face of the dev node: the core REST routes wallets use (facts §2),
 * with grpc-gateway's conventions for routing errors and bad bodies, plus two
 * lookups that only the development node has (transactions by hash, blocks by
 * height). Every failure becomes a status body; nothing a client sends can
 * throw out of here.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { listen, refuseUnparsableRequests } from '../transport/listen.js';
import type { Chain } from './chain.js';
import { BROADCAST_TYPES, GRPC, RestError, badRequest, broadcastType, parseBody, renderJson, transactionBytesFromJson, txBytesField, txObjectField, vegaApiError } from './rest-json.js';
import {
  blockView,
  checkView,
  lastBlockHeightView,
  spamStatisticsView,
  statisticsView,
  submitJsonView,
  submitRawView,
  timeView,
  transactionView,
  type NodeInfo,
} from './views.js';

/** What the routes need from the node. */
export interface RestBackend {
  chain: Chain;
  info: NodeInfo;
  logger: Logger;
  now(): bigint;
  /** Resolves with the execution result once a block holds the transaction; rejects with a RestError on timeout or shutdown. */
  waitForInclusion(hash: string): Promise<{ height: bigint; code: number; data: string }>;
}

export interface RestServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Larger than any real transaction (batch proposals included), small enough to refuse floods. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface Reply {
  status: number;
  body: string;
  type?: string;
}

const json = (value: unknown): Reply => ({ status: 200, body: renderJson(value) });

type Handler = (backend: RestBackend, req: IncomingMessage, param: string | undefined) => Promise<Reply> | Reply;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle: Handler;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RestError(413, GRPC.ResourceExhausted, `the request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** TYPE_ASYNC / TYPE_SYNC / TYPE_COMMIT; anything else is refused like core does. */
function requireBroadcastType(type: number): number {
  if (type !== BROADCAST_TYPES.TYPE_ASYNC && type !== BROADCAST_TYPES.TYPE_SYNC && type !== BROADCAST_TYPES.TYPE_COMMIT) throw badRequest('Invalid TX Type');
  return type;
}

async function submitRaw(backend: RestBackend, req: IncomingMessage): Promise<Reply> {
  const body = parseBody(await readBody(req));
  const bytes = txBytesField(body);
  const type = requireBroadcastType(broadcastType(body));
  const outcome = backend.chain.checkTx(bytes, true);
  switch (type) {
    case BROADCAST_TYPES.TYPE_ASYNC:
      // Async broadcast answers before CheckTx has run: the code is always 0, whatever happens next.
      return json(submitRawView(outcome.hash, 0, '', 0n));
    case BROADCAST_TYPES.TYPE_SYNC:
      return json(submitRawView(outcome.hash, outcome.code, outcome.data, 0n));
    default: {
      // Commit mode reports the *block* result. A CheckTx rejection never reaches a block,
      // and core then reads an empty result: code 0, height "0" (facts §2.5). Clients must test the height.
      if (outcome.code !== 0) return json(submitRawView(outcome.hash, 0, '', 0n));
      const result = await backend.waitForInclusion(outcome.hash);
      return json(submitRawView(outcome.hash, result.code, result.data, result.height));
    }
  }
}

async function checkRaw(backend: RestBackend, req: IncomingMessage): Promise<Reply> {
  const body = parseBody(await readBody(req));
  return json(checkView(backend.chain.checkTx(txBytesField(body), false)));
}

async function submitJson(backend: RestBackend, req: IncomingMessage): Promise<Reply> {
  const body = parseBody(await readBody(req));
  const bytes = transactionBytesFromJson(txObjectField(body));
  // The type is parsed (a bad value is still a bad request) but ignored: this endpoint always broadcasts in sync mode.
  broadcastType(body);
  return json(submitJsonView(backend.chain.checkTx(bytes, true)));
}

async function checkJson(backend: RestBackend, req: IncomingMessage): Promise<Reply> {
  const body = parseBody(await readBody(req));
  return json(checkView(backend.chain.checkTx(transactionBytesFromJson(txObjectField(body)), false)));
}

function spamStatistics(backend: RestBackend, _req: IncomingMessage, party: string | undefined): Reply {
  let id = '';
  try {
    id = decodeURIComponent(party ?? '');
  } catch {
    throw badRequest('the party id in the path is not valid percent-encoding');
  }
  if (id === '') throw vegaApiError(400, GRPC.InvalidArgument, 'InvalidArgument', 10006, 'empty or missing party ID');
  return json(spamStatisticsView(backend.chain, id));
}

/*
 * GET /transactions/{hash} and GET /blocks/{height} exist only on this
 * development node, so that someone who has just sent a transaction can see
 * what became of it. Real core nodes have no such endpoints (a data node or a
 * block explorer answers these questions on a real network); wallets must not
 * depend on them.
 */

const TX_HASH = /^[0-9a-fA-F]{64}$/;
const MAX_U64 = (1n << 64n) - 1n;

function transactionByHash(backend: RestBackend, _req: IncomingMessage, hash: string | undefined): Reply {
  const wanted = hash ?? '';
  if (!TX_HASH.test(wanted)) throw badRequest('a transaction hash is 64 hexadecimal characters (SHA-256 of the transaction bytes)');
  const found = backend.chain.find(wanted);
  if (found) return json(transactionView(found));
  const upper = wanted.toUpperCase();
  if (backend.chain.isPending(upper)) throw new RestError(404, GRPC.NotFound, `transaction ${upper} is waiting in the mempool; it will be in the next block`);
  throw new RestError(404, GRPC.NotFound, `no block holds a transaction with hash ${upper}`);
}

function blockByHeight(backend: RestBackend, _req: IncomingMessage, height: string | undefined): Reply {
  const text = height ?? '';
  if (!/^\d{1,20}$/.test(text) || BigInt(text) > MAX_U64) throw badRequest('a block height is an unsigned 64-bit decimal number');
  const wanted = BigInt(text);
  const block = backend.chain.blockAt(wanted);
  if (block) return json(blockView(block));
  const { chain } = backend;
  const why = wanted > chain.height ? `the last block is ${chain.height}` : `the chain starts at height ${chain.params.startHeight}`;
  throw new RestError(404, GRPC.NotFound, `there is no block ${wanted}: ${why}`);
}

const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/blockchain\/height$/, handle: (b) => json(lastBlockHeightView(b.chain)) },
  { method: 'GET', pattern: /^\/statistics$/, handle: (b) => json(statisticsView(b.chain, b.info, b.now())) },
  { method: 'GET', pattern: /^\/statistics\/spam(?:\/([^/]*))?$/, handle: spamStatistics },
  { method: 'GET', pattern: /^\/time$/, handle: (b) => json(timeView(b.chain)) },
  { method: 'POST', pattern: /^\/transaction\/raw$/, handle: submitRaw },
  { method: 'POST', pattern: /^\/transaction\/raw\/check$/, handle: checkRaw },
  { method: 'POST', pattern: /^\/transaction$/, handle: submitJson },
  { method: 'POST', pattern: /^\/transaction\/check$/, handle: checkJson },
  { method: 'GET', pattern: /^\/transactions\/([^/]*)$/, handle: transactionByHash },
  { method: 'GET', pattern: /^\/blocks\/([^/]*)$/, handle: blockByHeight },
];

// Browser-based tools talk to nodes directly; core nodes allow any origin by default.
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
};

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, {
    ...CORS,
    'content-type': reply.type ?? 'application/json',
    'content-length': Buffer.byteLength(reply.body),
  });
  res.end(reply.body);
}

const errorReply = (error: RestError): Reply => ({ status: error.httpStatus, body: error.body() });

export async function startRestServer(options: { host: string; port: number; backend: RestBackend }): Promise<RestServer> {
  const { backend } = options;
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'access-control-max-age': '600' });
      res.end();
      return;
    }
    // Answered before routing, as plain text, like a core node's health check.
    if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      send(res, { status: 200, body: 'ok', type: 'text/plain; charset=utf-8' });
      return;
    }
    const matching = ROUTES.filter((r) => r.pattern.test(path));
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      req.resume();
      // grpc-gateway's routing errors: a known path with another method is 405, anything else 404.
      send(res, errorReply(matching.length ? new RestError(405, GRPC.Unimplemented, 'Method Not Allowed') : new RestError(404, GRPC.NotFound, 'Not Found')));
      return;
    }
    try {
      send(res, await route.handle(backend, req, route.pattern.exec(path)?.[1]));
    } catch (error) {
      if (error instanceof RestError) {
        if (error.httpStatus === 413) res.setHeader('connection', 'close');
        send(res, errorReply(error));
        return;
      }
      backend.logger.error('dev node request failed', { path, error });
      send(res, errorReply(new RestError(500, GRPC.Internal, 'internal error')));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => backend.logger.error('dev node could not answer', { error }));
  });
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  refuseUnparsableRequests(server);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const { url, port } = await listen(server, options.port, options.host);

  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // A dev node has no answers worth waiting for once it is told to stop.
        for (const socket of sockets) socket.destroy();
      }),
  };
}
