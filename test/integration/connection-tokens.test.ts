/**
 * A connection remembers the hash of the last token it sent (src/token-hash-memo.ts), over
 * WebSocket and over keep-alive HTTP. It must save the hashing and nothing else: on one
 * connection, two applications' tokens take turns and each sees its own wallet's keys, a token
 * one character off is refused, and a token that ended (disconnect_wallet, or closed by the
 * owner) is refused on the very connection that used it a moment before.
 */
import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import { readyApp, type ReadyApp } from '../helpers/app.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
let one: ReadyApp;
let two: ReadyApp;

beforeAll(async () => {
  gw = await startTestGateway();
  one = await readyApp(gw, { wallet: 'wallet-one', hostname: 'one.example' });
  two = await readyApp(gw, { wallet: 'wallet-two', hostname: 'two.example', extraKeys: 1 });
});
afterAll(async () => {
  await gw?.close();
});

type Call = (method: string, params: Record<string, unknown>) => Promise<{ result?: unknown; error?: { code: number; data?: { reason?: string } } }>;

/** One WebSocket to the application door; requests matched to answers by id. */
async function overWebSocket(): Promise<{ call: Call; close: () => void }> {
  const ws = new WebSocket(gw.gateway.applicationUrl.replace(/^http/, 'ws'));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const waiting = new Map<number, (answer: never) => void>();
  ws.on('message', (data) => {
    const answer = JSON.parse(String(data));
    waiting.get(answer.id)?.(answer as never);
    waiting.delete(answer.id);
  });
  let id = 0;
  const call: Call = (method, params) =>
    new Promise((resolve) => {
      id += 1;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  return { call, close: () => ws.terminate() };
}

/** One keep-alive HTTP connection (an agent with a single socket); every call checks it went over that socket. */
function overOneHttpConnection(): { call: Call; close: () => void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const ports = new Set<number>();
  const call: Call = (method, params) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
      const req = request(gw.gateway.applicationUrl, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        ports.add(res.socket.localPort as number);
        expect(ports.size).toBe(1);
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(JSON.parse(text)));
      });
      req.on('error', reject);
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
}

describe.each([
  ['one WebSocket', overWebSocket],
  ['one keep-alive HTTP connection', async () => overOneHttpConnection()],
])('over %s', (_name, open) => {
  test('two tokens in turn each get their own keys; one character off is refused', async () => {
    const { call, close } = await open();
    try {
      for (let round = 0; round < 3; round++) {
        expect((await call('session.list_keys', { token: one.token })).result).toEqual(one.keys);
        expect((await call('session.list_keys', { token: two.token })).result).toEqual(two.keys);
      }
      const last = one.token.at(-1) === 'A' ? 'B' : 'A';
      const offByOne = (await call('session.list_keys', { token: `${one.token.slice(0, -1)}${last}` })).error;
      expect(offByOne).toMatchObject({ code: -32003, data: { reason: 'token_unknown' } });
      expect((await call('session.list_keys', { token: one.token })).result).toEqual(one.keys);
    } finally {
      close();
    }
  });
});

test('a token that ended is refused on the connection that used it just before', async () => {
  const ws = await overWebSocket();
  const http = overOneHttpConnection();
  try {
    const app = await readyApp(gw, { wallet: 'wallet-three', hostname: 'three.example' });
    for (const { call } of [ws, http]) expect((await call('session.list_keys', { token: app.token })).result).toEqual(app.keys);
    expect((await ws.call('session.disconnect_wallet', { token: app.token })).error).toBeUndefined();
    for (const { call } of [ws, http]) {
      expect((await call('session.list_keys', { token: app.token })).error).toMatchObject({ code: -32003, data: { reason: 'token_unknown' } });
    }

    // Closed by the owner instead: the same.
    const again = await readyApp(gw, { wallet: 'wallet-four', hostname: 'four.example' });
    for (const { call } of [ws, http]) expect((await call('session.list_keys', { token: again.token })).result).toEqual(again.keys);
    await gw.call('admin.close_connection', { wallet: 'wallet-four', hostname: 'four.example' });
    for (const { call } of [ws, http]) {
      expect((await call('session.list_keys', { token: again.token })).error).toMatchObject({ code: -32003, data: { reason: 'token_unknown' } });
    }
  } finally {
    ws.close();
    http.close();
  }
});
