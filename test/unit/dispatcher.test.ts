/**
 * The dispatcher and the door with handlers of every shape: answering with a value, with a
 * promise, throwing at once, rejecting, and producing a result JSON cannot carry. A value goes
 * back without a promise (the hot session methods answer from memory this way); every other
 * shape must still reach the caller as the right JSON-RPC answer, over HTTP and WebSocket. A frozen
 * result is one its producer shares between answers; the dispatcher encodes it once.
 */
import WebSocket from 'ws';
import type { Handlers } from '../../generated/handlers.js';
import { PermissionDeniedError } from '../../src/domain/errors.js';
import { createLogger } from '../../src/logger.js';
import type { RequestContext } from '../../src/rpc/context.js';
import { Dispatcher } from '../../src/rpc/dispatcher.js';
import { DEFAULT_LIMITS, startHttpDoor, type HttpDoor } from '../../src/transport/http-door.js';

type Shape = 'value' | 'frozen' | 'promise' | 'throws' | 'rejects' | 'denied' | 'bigint' | 'bigint-later' | 'frozen-bigint';

const SHARED = Object.freeze({ chainID: 'chain-shared' });

/** session.get_chain_id answers in the shape named by its caller's chain id request. */
let shape: Shape = 'value';
const handlers = {
  'session.get_chain_id': () => {
    switch (shape) {
      case 'value':
        return { chainID: 'chain-now' };
      case 'frozen':
        return SHARED;
      case 'promise':
        return Promise.resolve({ chainID: 'chain-later' });
      case 'throws':
        throw new Error('the secret sauce is 42');
      case 'rejects':
        return Promise.reject(new Error('the secret sauce is 43'));
      case 'denied':
        throw new PermissionDeniedError('not for you');
      case 'bigint':
        return { chainID: 1n };
      case 'bigint-later':
        return Promise.resolve({ chainID: 2n });
      case 'frozen-bigint':
        return Object.freeze({ chainID: 3n });
    }
  },
} as unknown as Handlers<RequestContext>;

const logs: string[] = [];
const logger = createLogger('error', (line) => logs.push(line));
const dispatcher = new Dispatcher({ door: 'application', handlers, logger, maxBatch: 10, validateResults: false });
const ctx: RequestContext = { door: 'application', transport: 'ws', origin: undefined, remoteAddress: '127.0.0.1', signal: new AbortController().signal, tokenHashes: undefined, notify: undefined };
const request = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'session.get_chain_id', params: {} });

let door: HttpDoor;
beforeAll(async () => {
  door = await startHttpDoor({ door: 'application', host: '127.0.0.1', port: 0, dispatcher, logger, limits: DEFAULT_LIMITS, documentJson: '{}', cors: true });
});
afterAll(async () => {
  await door?.close();
});
beforeEach(() => {
  logs.length = 0;
});

async function overHttp(body: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(door.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, body: await res.json() };
}

async function overWebSocket(body: string): Promise<unknown> {
  const ws = new WebSocket(door.url.replace(/^http/, 'ws'));
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const answer = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
    ws.send(body);
    return JSON.parse(await answer);
  } finally {
    ws.terminate();
  }
}

describe('answers without a promise', () => {
  test('a handler that returns a value is answered at once, as text', () => {
    shape = 'value';
    const answer = dispatcher.handleText(request(1), ctx);
    expect(typeof answer).toBe('string');
    expect(JSON.parse(answer as string)).toEqual({ jsonrpc: '2.0', id: 1, result: { chainID: 'chain-now' } });
  });

  test('a handler that returns a promise is answered when it settles', async () => {
    shape = 'promise';
    const answer = dispatcher.handleText(request(2), ctx);
    expect(answer).toBeInstanceOf(Promise);
    expect(JSON.parse((await answer) as string)).toEqual({ jsonrpc: '2.0', id: 2, result: { chainID: 'chain-later' } });
  });

  test('an error thrown at once is an answer too, not an exception of handleText', () => {
    shape = 'denied';
    const answer = dispatcher.handleText(request(3), ctx);
    expect(JSON.parse(answer as string)).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: { code: 2000, message: 'Application error', data: { reason: 'permission_denied', message: 'not for you' } },
    });
  });

  test.each<Shape>(['value', 'frozen'])('%s: the text is the JSON of the answer, byte for byte, with each request\'s own id', (s) => {
    shape = s;
    // The same frozen result goes into every answer: only its own text is kept between them, never an id.
    for (const id of [1, -0.5, 'an "id" with \u2028 and ✓', null, 9007199254740993, 'x'.repeat(200)]) {
      const text = JSON.stringify({ jsonrpc: '2.0', id, method: 'session.get_chain_id', params: {} });
      const result = s === 'frozen' ? SHARED : { chainID: 'chain-now' };
      expect(dispatcher.handleText(text, ctx)).toBe(JSON.stringify({ jsonrpc: '2.0', id: JSON.parse(text).id, result }));
    }
  });

  test('a notification to a handler that returns a value gets nothing back', () => {
    shape = 'value';
    expect(dispatcher.handleText(JSON.stringify({ jsonrpc: '2.0', method: 'session.get_chain_id' }), ctx)).toBeNull();
  });
});

describe.each([
  ['HTTP', async (body: string) => (await overHttp(body)).body],
  ['WebSocket', overWebSocket],
])('every shape of handler over %s', (_transport, send) => {
  test.each<[Shape, string]>([
    ['value', 'chain-now'],
    ['frozen', 'chain-shared'],
    ['promise', 'chain-later'],
  ])('%s: the result', async (s, chainID) => {
    shape = s;
    expect(await send(request(7))).toEqual({ jsonrpc: '2.0', id: 7, result: { chainID } });
  });

  test.each<Shape>(['throws', 'rejects', 'bigint', 'bigint-later', 'frozen-bigint'])('%s: an internal error with a reference, logged once without leaking', async (s) => {
    shape = s;
    const answer = (await send(request(8))) as { id: unknown; error: { code: number; data: { message: string } } };
    expect(answer.id).toBe(8);
    expect(answer.error.code).toBe(-32603);
    const reference = /error-[0-9a-f]{12}/.exec(answer.error.data.message)?.[0];
    expect(reference).toBeDefined();
    expect(JSON.stringify(answer)).not.toContain('secret sauce');
    expect(logs.filter((line) => line.includes(reference as string))).toHaveLength(1);
    // The door goes on serving.
    shape = 'value';
    expect(await send(request(9))).toEqual({ jsonrpc: '2.0', id: 9, result: { chainID: 'chain-now' } });
  });
});

test('in a batch, only the answer JSON cannot carry becomes an error', async () => {
  shape = 'bigint';
  const bad = dispatcher.handleText(request(1), ctx);
  shape = 'value';
  expect(JSON.parse(bad as string).error.code).toBe(-32603);
  // One batch, two shapes: the handler reads `shape` when called, so switch it between the two.
  const calls: Shape[] = ['value', 'bigint'];
  const original = handlers['session.get_chain_id'];
  const mixed = new Dispatcher({
    door: 'application',
    handlers: { ...handlers, 'session.get_chain_id': ((p: never, c: RequestContext) => ((shape = calls.shift() as Shape), original(p, c))) as never },
    logger,
    maxBatch: 10,
    validateResults: false,
  });
  const answer = JSON.parse((await mixed.handleText(`[${request(1)},${request(2)}]`, ctx)) as string);
  expect(answer).toEqual([
    { jsonrpc: '2.0', id: 1, result: { chainID: 'chain-now' } },
    { jsonrpc: '2.0', id: 2, error: expect.objectContaining({ code: -32603 }) },
  ]);
});
