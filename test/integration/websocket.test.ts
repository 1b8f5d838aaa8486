/**
 * JSON-RPC over WebSocket at both doors of a live gateway, with the `ws`
 * client and with the generated client SDK: answers matched by id,
 * pipelining, batches, notifications, bad frames, the message size limit,
 * the operator token on upgrade, and shutdown.
 */
import WebSocket, { type RawData } from 'ws';
import { JsonRpcError, WalletGatewayClient, webSocketTransport } from '../../generated/client.js';
import { DEFAULT_LIMITS } from '../../src/transport/http-door.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
});
afterEach(() => {
  for (const ws of sockets.splice(0)) ws.terminate();
});
afterAll(async () => {
  await gw?.close();
});

const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');
const operatorHeaders = () => ({ authorization: `Bearer ${gw.gateway.adminToken}` });

/** A connected client that queues what the server sends, so a test can take frames in order. */
interface Peer {
  ws: WebSocket;
  send(message: unknown): void;
  /** The next frame, parsed; fails after `ms` if none comes. */
  next(ms?: number): Promise<any>;
  /** Resolves true if no frame arrives within `ms`. */
  silentFor(ms: number): Promise<boolean>;
  closed: Promise<{ code: number; reason: string }>;
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<Peer> {
  const ws = new WebSocket(url, { headers });
  sockets.push(ws);
  const frames: unknown[] = [];
  const waiting: Array<(frame: unknown) => void> = [];
  ws.on('message', (data: RawData, isBinary: boolean) => {
    // The gateway answers in JSON text frames only; anything else is handed to the test as an Error, which next() rejects with.
    let frame: unknown;
    try {
      frame = isBinary ? new Error('the gateway sent a binary frame') : JSON.parse(data.toString());
    } catch {
      frame = new Error(`the gateway sent a frame that is not JSON: ${data.toString().slice(0, 100)}`);
    }
    const waiter = waiting.shift();
    if (waiter) waiter(frame);
    else frames.push(frame);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.on('error', () => undefined); // a later error is seen through `closed`
  return {
    ws,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next(ms = 2000) {
      const settle = (frame: unknown) => (frame instanceof Error ? Promise.reject(frame) : Promise.resolve(frame));
      if (frames.length > 0) return settle(frames.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(done), 1);
          reject(new Error(`no frame within ${ms} ms`));
        }, ms);
        const done = (frame: unknown) => {
          clearTimeout(timer);
          settle(frame).then(resolve, reject);
        };
        waiting.push(done);
      });
    },
    async silentFor(ms) {
      if (frames.length > 0) return false;
      // Any frame, even a bad one, breaks the silence; only the timeout proves it.
      let arrived = false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(done), 1);
          resolve();
        }, ms);
        const done = (frame: unknown) => {
          clearTimeout(timer);
          arrived = true;
          frames.unshift(frame);
          resolve();
        };
        waiting.push(done);
      });
      return !arrived;
    },
    closed,
  };
}

const listWallets = (id: unknown) => ({ jsonrpc: '2.0', id, method: 'admin.list_wallets' });
const discover = (id: unknown) => ({ jsonrpc: '2.0', id, method: 'rpc.discover' });

describe('requests over WebSocket', () => {
  test('a request is answered with the same id', async () => {
    const peer = await connect(wsUrl(gw.gateway.applicationUrl));
    peer.send(discover('ws-1'));
    const answer = await peer.next();
    expect(answer.jsonrpc).toBe('2.0');
    expect(answer.id).toBe('ws-1');
    expect(answer.result.methods.map((m: { name: string }) => m.name)).toContain('session.get_chain_id');
  });

  test('20 pipelined requests are all answered, each with its own id', async () => {
    const peer = await connect(wsUrl(gw.gateway.operatorUrl), operatorHeaders());
    const ids = Array.from({ length: 20 }, (_, i) => `p${i}`);
    for (const id of ids) peer.send(listWallets(id));
    const answers = [];
    for (let i = 0; i < ids.length; i++) answers.push(await peer.next());
    expect(answers.map((a) => a.id).sort()).toEqual([...ids].sort());
    for (const answer of answers) expect(answer.result).toEqual({ wallets: expect.any(Array) });
  });

  test('a batch gets one frame holding an answer per request', async () => {
    const peer = await connect(wsUrl(gw.gateway.applicationUrl));
    peer.send([discover(1), { jsonrpc: '2.0', id: 2, method: 'session.get_chain_id' }, { jsonrpc: '2.0', method: 'rpc.discover' }, discover(3)]);
    const answer = await peer.next();
    expect(Array.isArray(answer)).toBe(true);
    expect(answer.map((a: { id: number }) => a.id).sort()).toEqual([1, 2, 3]);
    const two = answer.find((a: { id: number }) => a.id === 2);
    expect(two.result.chainID).toEqual(expect.any(String)); // answered by the local development node
    expect(answer.find((a: { id: number }) => a.id === 3).result.openrpc).toEqual(expect.any(String));
  });

  test('a notification gets no answer', async () => {
    const peer = await connect(wsUrl(gw.gateway.applicationUrl));
    peer.send({ jsonrpc: '2.0', method: 'rpc.discover' });
    peer.send([{ jsonrpc: '2.0', method: 'rpc.discover' }, { jsonrpc: '2.0', method: 'session.get_chain_id' }]);
    expect(await peer.silentFor(200)).toBe(true);
    peer.send(discover('after'));
    expect((await peer.next()).id).toBe('after');
  });

  test('the wrong door is reported over WebSocket as over HTTP', async () => {
    const peer = await connect(wsUrl(gw.gateway.applicationUrl));
    peer.send(listWallets(9));
    expect(await peer.next()).toMatchObject({ id: 9, error: { code: -32601, data: { door: 'operator' } } });
  });
});

describe('bad frames', () => {
  test('a text frame that is not JSON gets -32700 and the connection stays open', async () => {
    const peer = await connect(wsUrl(gw.gateway.applicationUrl));
    peer.send('{"jsonrpc":"2.0", "passphrase": hunter2-secret');
    const error = await peer.next();
    expect(error).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    expect(JSON.stringify(error)).not.toContain('hunter2');
    peer.send(discover('still-open'));
    expect((await peer.next()).id).toBe('still-open');
    expect(peer.ws.readyState).toBe(WebSocket.OPEN);
  });

  test('a binary frame gets -32700 and the connection stays open', async () => {
    const peer = await connect(wsUrl(gw.gateway.applicationUrl));
    peer.ws.send(Buffer.from(JSON.stringify(discover('binary'))), { binary: true });
    expect(await peer.next()).toMatchObject({ id: null, error: { code: -32700 } });
    peer.send(discover('still-open'));
    expect((await peer.next()).id).toBe('still-open');
  });

  test('a message over limits.maxWsMessageBytes closes the connection with 1009', async () => {
    const small = await startTestGateway({ limits: { ...DEFAULT_LIMITS, maxWsMessageBytes: 2000 } });
    try {
      const request = JSON.stringify(discover('big'));
      const padded = (size: number) => request + ' '.repeat(size - Buffer.byteLength(request));
      const peer = await connect(wsUrl(small.gateway.applicationUrl));
      // At the limit it is still served...
      peer.send(padded(2000));
      expect((await peer.next()).id).toBe('big');
      // ...one byte more and the server hangs up.
      peer.send(padded(2001));
      const closed = await peer.closed;
      expect(closed.code).toBe(1009);
    } finally {
      await small.close();
    }
  });
});

describe('operator door upgrades', () => {
  /** Tries an upgrade and reports the HTTP status the server refused it with, or 'open'. */
  const tryUpgrade = (headers: Record<string, string>) =>
    new Promise<number | 'open' | string>((resolve) => {
      const ws = new WebSocket(wsUrl(gw.gateway.operatorUrl), { headers });
      sockets.push(ws);
      ws.on('unexpected-response', (req, res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      ws.on('open', () => resolve('open'));
      ws.on('error', (error) => resolve(`error: ${error.message}`));
    });

  test('without the bearer token the upgrade is refused with 401', async () => {
    expect(await tryUpgrade({})).toBe(401);
  });

  test('with a wrong token the upgrade is refused with 401', async () => {
    expect(await tryUpgrade({ authorization: 'Bearer not-the-token' })).toBe(401);
    expect(await tryUpgrade({ authorization: `Bearer ${gw.gateway.adminToken.slice(0, -1)}x` })).toBe(401);
  });

  test('with the token the upgrade works and admin.list_wallets answers', async () => {
    expect(await tryUpgrade(operatorHeaders())).toBe('open');
    const peer = await connect(wsUrl(gw.gateway.operatorUrl), operatorHeaders());
    peer.send(listWallets(1));
    expect(await peer.next()).toEqual({ jsonrpc: '2.0', id: 1, result: { wallets: expect.any(Array) } });
  });

  test('the application door needs no token for an upgrade', async () => {
    const peer = await connect(wsUrl(gw.gateway.applicationUrl));
    expect(peer.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('the generated client over WebSocket', () => {
  test('client.admin.listWallets() answers through the operator door', async () => {
    await gw.call('admin.import_wallet', {
      wallet: 'ws-sdk-wallet',
      passphrase: 'a passphrase for the test',
      recoveryPhrase:
        'swing ceiling chaos green put insane ripple desk match tip melt usual shrug turkey renew icon parade veteran lens govern path rough page render',
      version: 2,
    });
    try {
      const { ws } = await connect(wsUrl(gw.gateway.operatorUrl), operatorHeaders());
      const client = new WalletGatewayClient(webSocketTransport(ws));
      const { wallets } = await client.admin.listWallets();
      expect(wallets).toContain('ws-sdk-wallet');
    } finally {
      await gw.call('admin.remove_wallet', { wallet: 'ws-sdk-wallet' });
    }
  });

  test('a JSON-RPC error is thrown as JsonRpcError with its code', async () => {
    const { ws } = await connect(wsUrl(gw.gateway.operatorUrl), operatorHeaders());
    const client = new WalletGatewayClient(webSocketTransport(ws));
    const missing = client.admin.removeWallet({ wallet: 'no-such-wallet' });
    await expect(missing).rejects.toBeInstanceOf(JsonRpcError);
    await expect(missing).rejects.toMatchObject({ code: 2000, data: { reason: 'wallet_not_found' } });
    const wrongDoor = client.session.getChainId();
    await expect(wrongDoor).rejects.toMatchObject({ name: 'JsonRpcError', code: -32601 });
    // The client stays usable after errors.
    expect(await client.admin.listWallets()).toEqual({ wallets: expect.any(Array) });
  });

  test('several calls in flight on one socket each get their own answer', async () => {
    const { ws } = await connect(wsUrl(gw.gateway.applicationUrl));
    const client = new WalletGatewayClient(webSocketTransport(ws));
    const [document, chainId] = await Promise.allSettled([client.rpc.discover(), client.session.getChainId()]);
    expect(document.status).toBe('fulfilled');
    expect(document.status === 'fulfilled' && document.value.openrpc).toEqual(expect.any(String));
    expect(chainId.status).toBe('fulfilled');
    expect(chainId.status === 'fulfilled' && chainId.value.chainID).toEqual(expect.any(String));
  });
});

describe('shutdown', () => {
  test('closing the gateway closes open WebSocket clients', async () => {
    const own = await startTestGateway();
    let closing: Promise<void> | undefined;
    try {
      const app = await connect(wsUrl(own.gateway.applicationUrl));
      const operator = await connect(wsUrl(own.gateway.operatorUrl), { authorization: `Bearer ${own.gateway.adminToken}` });
      const started = Date.now();
      closing = own.close();
      const [a, o] = await Promise.all([app.closed, operator.closed]);
      expect(a.code).toBe(1001);
      expect(o.code).toBe(1001);
      await closing;
      // Clients that answer the close handshake must not hold the shutdown up to its 2 s fallback.
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await (closing ?? own.close());
    }
  });
});
