/**
 * JSON-RPC 2.0 as the spec words it, and the HTTP door around it, checked
 * against a live gateway (real SQLite file, both doors on 127.0.0.1:0).
 * Most requests use cheap methods (admin.list_wallets, rpc.discover,
 * session.get_chain_id) so the file stays fast.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../../src/transport/http-door.js';
import { post, startTestGateway, type RpcReply, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

const listWallets = (id: unknown = 1) => ({ jsonrpc: '2.0', id, method: 'admin.list_wallets' });

/** The names of the wallets, asked through the operator door. */
async function walletNames(): Promise<string[]> {
  const reply = await gw.admin(listWallets());
  expect(reply.body.error).toBeUndefined();
  return reply.body.result.wallets;
}

/** A request that proves the door still answers normally. */
async function expectDoorHealthy(): Promise<void> {
  const reply = await gw.admin(listWallets('still-alive'));
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual({ jsonrpc: '2.0', id: 'still-alive', result: { wallets: expect.any(Array) } });
}

/** Sends raw bytes with node:http so the exact length and headers are under control; the connection is not reused. */
function rawRequest(
  url: string,
  options: { method: string; path?: string; headers?: Record<string, string | number>; body?: Buffer | string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(options.path ?? '/', url);
    const req = httpRequest(target, { method: options.method, headers: { connection: 'close', ...options.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer (and close) before the whole body is written; the answer is what counts.
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body, () => undefined);
    req.end();
  });
}

describe('single requests', () => {
  test.each([
    ['a string id', 'abc-123'],
    ['a number id', 42],
    ['a null id', null],
    ['a fractional number id', 1.5],
    ['an empty string id', ''],
  ])('%s is echoed back unchanged', async (_label, id) => {
    const reply = await gw.admin(listWallets(id));
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.body).toEqual({ jsonrpc: '2.0', id, result: { wallets: [] } });
  });

  test('a notification gets HTTP 204 with no body, and the method did run', async () => {
    const reply = await gw.admin({
      jsonrpc: '2.0',
      method: 'admin.create_wallet',
      params: { wallet: 'made-by-notification', passphrase: 'a passphrase for the test' },
    });
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    expect(await walletNames()).toContain('made-by-notification');
    await gw.call('admin.remove_wallet', { wallet: 'made-by-notification' });
  });

  test('a notification of an unknown method is not answered either', async () => {
    const reply = await gw.admin({ jsonrpc: '2.0', method: 'admin.no_such_thing' });
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
  });

  test('a request that is not an object is answered with -32600 and id null', async () => {
    for (const body of ['1', '"hello"', 'true', 'null']) {
      const reply = await gw.admin(body);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } });
    }
  });
});

describe('batches', () => {
  test('mixed entries: only non-notifications are answered, each with its own id and outcome', async () => {
    const reply = await gw.admin([
      listWallets('first'),
      { jsonrpc: '2.0', method: 'admin.list_wallets' }, // notification
      1,
      {},
      { jsonrpc: '2.0', id: 7, method: 'admin.nope' },
      { jsonrpc: '2.0', id: 8, method: 'admin.remove_wallet', params: {} },
      { jsonrpc: '2.0', method: 'admin.nope' }, // notification of an unknown method: still silent
      listWallets(9),
    ]);
    expect(reply.status).toBe(200);
    expect(Array.isArray(reply.body)).toBe(true);
    const byId = new Map<unknown, any>();
    const nullIds: any[] = [];
    for (const answer of reply.body) {
      expect(answer.jsonrpc).toBe('2.0');
      if (answer.id === null) nullIds.push(answer);
      else byId.set(answer.id, answer);
    }
    expect([...byId.keys()].sort()).toEqual([7, 8, 9, 'first'].sort());
    expect(byId.get('first').result).toEqual({ wallets: [] });
    expect(byId.get(9).result).toEqual({ wallets: [] });
    expect(byId.get(7).error).toMatchObject({ code: -32601, data: { method: 'admin.nope' } });
    expect(byId.get(8).error).toMatchObject({ code: -32602, data: { path: '/wallet', rule: 'required' } });
    // `1` and `{}` are not valid request objects, so they are not notifications: each gets -32600 with id null.
    expect(nullIds).toHaveLength(2);
    for (const answer of nullIds) expect(answer.error.code).toBe(-32600);
    expect(reply.body).toHaveLength(6);
  });

  test('a batch of notifications only gets HTTP 204 and no body', async () => {
    const reply = await gw.admin([
      { jsonrpc: '2.0', method: 'admin.list_wallets' },
      { jsonrpc: '2.0', method: 'rpc.discover', params: [] },
    ]);
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
  });

  test('an empty batch is one -32600 error, not an array', async () => {
    const reply = await gw.admin([]);
    expect(reply.status).toBe(200);
    expect(Array.isArray(reply.body)).toBe(false);
    expect(reply.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } });
  });

  test('a batch of 101 is refused with -32600 and data.limit 100', async () => {
    const batch = Array.from({ length: 101 }, (_, i) => listWallets(i));
    const reply = await gw.admin(batch);
    expect(Array.isArray(reply.body)).toBe(false);
    expect(reply.body).toMatchObject({ id: null, error: { code: -32600, data: { limit: 100 } } });
  });

  test('a batch of 100 is answered in full', async () => {
    const batch = Array.from({ length: 100 }, (_, i) => listWallets(i));
    const reply = await gw.admin(batch);
    expect(reply.body).toHaveLength(100);
    const ids = (reply.body as any[]).map((a) => a.id).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const answer of reply.body) expect(answer.result).toEqual({ wallets: [] });
  });
});

describe('-32700 parse error', () => {
  test('malformed JSON answers -32700 with id null', async () => {
    const reply = await gw.admin('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
  });

  test('the answer does not echo any part of the body', async () => {
    for (const body of [
      '{"jsonrpc":"2.0","id":1,"method":"admin.create_wallet","params":{"passphrase":"hunter2-secret"',
      'hunter2-secret',
      '{"passphrase": hunter2-secret}',
      '[{"jsonrpc":"2.0","id":1,"method":"x"}, hunter2-secret]',
    ]) {
      const reply = await gw.admin(body);
      expect(reply.body.error.code).toBe(-32700);
      expect(reply.text).not.toContain('hunter2');
    }
  });

  test('a truncated batch is a parse error too', async () => {
    const reply = await gw.admin('[{"jsonrpc":"2.0","id":1,"method":"admin.list_wallets"},');
    expect(reply.body).toMatchObject({ id: null, error: { code: -32700 } });
  });
});

describe('-32600 invalid request', () => {
  const cases: [string, Record<string, unknown>, unknown][] = [
    ['jsonrpc missing', { id: 3, method: 'admin.list_wallets' }, 3],
    ['jsonrpc "1.0"', { jsonrpc: '1.0', id: 3, method: 'admin.list_wallets' }, 3],
    ['jsonrpc as the number 2', { jsonrpc: 2, id: 3, method: 'admin.list_wallets' }, 3],
    ['method a number', { jsonrpc: '2.0', id: 3, method: 12 }, 3],
    ['method missing', { jsonrpc: '2.0', id: 3 }, 3],
    ['params a string', { jsonrpc: '2.0', id: 3, method: 'admin.list_wallets', params: 'abc' }, 3],
    ['params a number', { jsonrpc: '2.0', id: 3, method: 'admin.list_wallets', params: 5 }, 3],
    ['params null', { jsonrpc: '2.0', id: 3, method: 'admin.list_wallets', params: null }, 3],
    ['id an object', { jsonrpc: '2.0', id: { a: 1 }, method: 'admin.list_wallets' }, null],
    ['id a boolean', { jsonrpc: '2.0', id: true, method: 'admin.list_wallets' }, null],
    ['id an array', { jsonrpc: '2.0', id: [1], method: 'admin.list_wallets' }, null],
  ];
  test.each(cases)('%s', async (_label, request, expectedId) => {
    const reply = await gw.admin(request);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      jsonrpc: '2.0',
      id: expectedId,
      error: { code: -32600, message: 'Invalid Request', data: { message: expect.any(String) } },
    });
  });

  test('a malformed request without an id is still answered (it is not a notification)', async () => {
    // The spec's own example: {"jsonrpc": "2.0", "method": 1, "params": "bar"} -> -32600 with id null.
    const reply = await gw.admin({ jsonrpc: '2.0', method: 1, params: 'bar' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
  });
});

describe('-32601 method not found', () => {
  test('an unknown method names itself in data.method', async () => {
    const reply = await gw.admin({ jsonrpc: '2.0', id: 1, method: 'admin.make_coffee' });
    expect(reply.body).toMatchObject({ id: 1, error: { code: -32601, message: 'Method not found', data: { method: 'admin.make_coffee' } } });
  });

  test('names inherited from Object.prototype are not methods', async () => {
    for (const method of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const reply = await gw.admin({ jsonrpc: '2.0', id: 1, method });
      expect(reply.body.error).toMatchObject({ code: -32601, data: { method } });
      expect(reply.body.error.data.door).toBeUndefined();
    }
  });

  test('admin.* at the application door points to the operator door', async () => {
    const reply = await gw.app({ jsonrpc: '2.0', id: 2, method: 'admin.list_wallets' });
    expect(reply.body).toMatchObject({ id: 2, error: { code: -32601, data: { method: 'admin.list_wallets', door: 'operator' } } });
    expect(reply.body.error.data.message).toMatch(/operator door/);
    expect(reply.body.error.data.message).toContain(gw.gateway.operatorUrl);
  });

  test('session.* at the operator door points to the application door', async () => {
    const reply = await gw.admin({ jsonrpc: '2.0', id: 3, method: 'session.get_chain_id' });
    expect(reply.body).toMatchObject({ id: 3, error: { code: -32601, data: { method: 'session.get_chain_id', door: 'application' } } });
    expect(reply.body.error.data.message).toMatch(/application door/);
  });

  test('the wrong door never runs the method', async () => {
    const reply = await gw.app({ jsonrpc: '2.0', id: 4, method: 'admin.create_wallet', params: { wallet: 'wrong-door', passphrase: 'p' } });
    expect(reply.body.error.code).toBe(-32601);
    expect(await walletNames()).not.toContain('wrong-door');
  });
});

describe('-32602 invalid params', () => {
  const invalid = async (params: unknown, method = 'admin.create_wallet'): Promise<any> => {
    const reply = await gw.admin({ jsonrpc: '2.0', id: 5, method, params });
    expect(reply.status).toBe(200);
    expect(reply.body.result).toBeUndefined();
    expect(reply.body.error).toMatchObject({ code: -32602, message: 'Invalid params' });
    return reply.body.error.data;
  };

  test('more params by position than the method takes', async () => {
    expect(await invalid(['w', 'p', 'extra'])).toMatchObject({ path: '', rule: 'maxItems' });
    expect(await invalid([1, 'w', 3], 'admin.list_wallets')).toMatchObject({ rule: 'maxItems' });
  });

  test('a param of the wrong type', async () => {
    expect(await invalid({ wallet: 12, passphrase: 'p' })).toMatchObject({ path: '/wallet', rule: 'type' });
    expect(await invalid([true, 'p'])).toMatchObject({ path: '/wallet', rule: 'type' });
  });

  test('a missing required param is pointed at', async () => {
    expect(await invalid({ wallet: 'w' })).toMatchObject({ path: '/passphrase', rule: 'required' });
    expect(await invalid(['w'])).toMatchObject({ path: '/passphrase', rule: 'required' });
  });

  test('an additional param is pointed at', async () => {
    expect(await invalid({ wallet: 'w', passphrase: 'p', extra: 1 })).toMatchObject({ path: '/extra', rule: 'additionalProperties' });
    expect(await invalid({ extra: 1 }, 'admin.list_wallets')).toMatchObject({ path: '/extra', rule: 'additionalProperties' });
  });

  test('prototype-pollution keys are refused and the gateway keeps working', async () => {
    // Sent as raw text: JSON.stringify of an object literal would drop a __proto__ key.
    for (const text of [
      '{"jsonrpc":"2.0","id":5,"method":"admin.list_wallets","params":{"__proto__":{"x":1}}}',
      '{"jsonrpc":"2.0","id":5,"method":"admin.create_wallet","params":{"wallet":"w","passphrase":"p","__proto__":{"isAdmin":true}}}',
      '{"jsonrpc":"2.0","id":5,"method":"admin.create_wallet","params":{"wallet":"w","passphrase":"p","constructor":{"prototype":{"x":1}}}}',
      '{"jsonrpc":"2.0","id":5,"method":"admin.list_wallets","params":{"constructor":1}}',
    ]) {
      const reply = await gw.admin(text);
      expect(reply.body.error).toMatchObject({ code: -32602, data: { rule: 'additionalProperties' } });
      expect(['/__proto__', '/constructor']).toContain(reply.body.error.data.path);
    }
    expect(await walletNames()).not.toContain('w');
    await expectDoorHealthy();
  });

  test('a session method validates its params at the application door', async () => {
    const reply = await gw.app({ jsonrpc: '2.0', id: 6, method: 'session.get_chain_id', params: { nope: true } });
    expect(reply.body.error).toMatchObject({ code: -32602, data: { path: '/nope' } });
  });
});

describe('params forms for a method without params', () => {
  test.each([
    ['omitted', undefined],
    ['an empty array', []],
    ['an empty object', {}],
  ])('admin.list_wallets and rpc.discover accept params %s', async (_label, params) => {
    const withParams = (method: string) => ({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) });
    const wallets = await gw.admin(withParams('admin.list_wallets'));
    expect(wallets.body).toEqual({ jsonrpc: '2.0', id: 1, result: { wallets: expect.any(Array) } });
    const discovered = await gw.app(withParams('rpc.discover'));
    expect(discovered.body.error).toBeUndefined();
    expect(discovered.body.result.openrpc).toEqual(expect.any(String));
  });
});

describe('the HTTP door', () => {
  test('a body that is not application/json is refused with 415 and a JSON-RPC error', async () => {
    const reply = await gw.app(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'rpc.discover' }), { 'content-type': 'text/plain' });
    expect(reply.status).toBe(415);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
    expect(reply.body.error.data.message).toMatch(/application\/json/);
  });

  test('application/json with a charset and application/*+json are accepted', async () => {
    expect((await gw.app({ jsonrpc: '2.0', id: 1, method: 'rpc.discover' }, { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
    expect((await gw.app({ jsonrpc: '2.0', id: 1, method: 'rpc.discover' }, { 'content-type': 'application/json-rpc+json' })).status).toBe(200);
  });

  test('a body of 1 MiB + 1 byte is refused with 413, and the next request works', async () => {
    const size = DEFAULT_LIMITS.maxBodyBytes + 1;
    const body = Buffer.alloc(size, 0x20); // all spaces: only the size is wrong
    const reply = await rawRequest(gw.gateway.operatorUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': size, authorization: `Bearer ${gw.gateway.adminToken}` },
      body,
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.text)).toMatchObject({ id: null, error: { code: -32600, data: { limit: DEFAULT_LIMITS.maxBodyBytes } } });
    await expectDoorHealthy();
  });

  test('a body sent in chunks without a Content-Length is also cut at the limit', async () => {
    const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        gw.gateway.applicationUrl,
        { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', connection: 'close' }, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 17; i++) req.write(chunk, () => undefined); // 17 x 64 KiB > 1 MiB
      req.end();
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.text).error.code).toBe(-32600);
  });

  test('a gateway started with a 1000-byte limit takes 1000 bytes and refuses 1001', async () => {
    const small = await startTestGateway({ limits: { ...DEFAULT_LIMITS, maxBodyBytes: 1000 } });
    try {
      const request = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'rpc.discover' });
      const padded = (size: number) => request + ' '.repeat(size - Buffer.byteLength(request));
      const fits = await post(small.gateway.applicationUrl, padded(1000));
      expect(fits.status).toBe(200);
      expect(fits.body.result.openrpc).toEqual(expect.any(String));
      const tooBig = await post(small.gateway.applicationUrl, padded(1001));
      expect(tooBig.status).toBe(413);
      expect(tooBig.body).toMatchObject({ error: { code: -32600, data: { limit: 1000 } } });
    } finally {
      await small.close();
    }
  });

  test('GET /health answers 200 {status: "ok"} on both doors, without a token', async () => {
    for (const url of [gw.gateway.applicationUrl, gw.gateway.operatorUrl]) {
      const res = await fetch(`${url}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok' });
    }
  });

  test('GET /openrpc.json on each door lists only that door\'s methods', async () => {
    const names = async (url: string) => {
      const res = await fetch(`${url}/openrpc.json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as { openrpc: string; methods: { name: string }[] };
      expect(doc.openrpc).toEqual(expect.any(String));
      return doc.methods.map((m) => m.name);
    };
    const application = await names(gw.gateway.applicationUrl);
    const operator = await names(gw.gateway.operatorUrl);
    expect(application).toContain('rpc.discover');
    expect(application).toContain('session.connect_wallet');
    expect(application.every((n) => n.startsWith('session.') || n === 'rpc.discover')).toBe(true);
    expect(operator).toContain('rpc.discover');
    expect(operator).toContain('admin.list_wallets');
    expect(operator.every((n) => n.startsWith('admin.') || n === 'rpc.discover')).toBe(true);
  });

  test('rpc.discover answers the same document as GET /openrpc.json', async () => {
    const reply = await gw.admin({ jsonrpc: '2.0', id: 1, method: 'rpc.discover' });
    const doc = await (await fetch(`${gw.gateway.operatorUrl}/openrpc.json`)).json();
    expect(reply.body.result).toEqual(doc);
  });

  test('GET of another path is 404 and PUT / is 405', async () => {
    const other = await fetch(`${gw.gateway.applicationUrl}/other`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as any).error.code).toBe(-32600);
    const put = await fetch(gw.gateway.applicationUrl, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toContain('POST');
    await put.arrayBuffer();
  });

  test('a CORS preflight at the application door is allowed', async () => {
    const res = await fetch(gw.gateway.applicationUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://dapp.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toMatch(/^(\*|https:\/\/dapp\.example)$/);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    // And the POST that follows carries the header too, or the browser would hide the answer.
    const reply = await gw.app({ jsonrpc: '2.0', id: 1, method: 'rpc.discover' }, { origin: 'https://dapp.example' });
    expect(reply.headers.get('access-control-allow-origin')).toMatch(/^(\*|https:\/\/dapp\.example)$/);
  });

  test('the operator door answers no CORS headers', async () => {
    const preflight = await fetch(gw.gateway.operatorUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).not.toBe(204);
    expect(preflight.status).not.toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const reply = await gw.admin(listWallets(), { origin: 'https://evil.example' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('operator door authentication', () => {
  const withAuth = (authorization?: string): Promise<RpcReply> =>
    post(gw.gateway.operatorUrl, listWallets(), authorization === undefined ? {} : { authorization });

  test('no Authorization header: 401, -32003 and a www-authenticate challenge', async () => {
    const reply = await withAuth();
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(reply.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32003, message: 'Authentication failure' } });
  });

  test('a wrong token is refused', async () => {
    expect((await withAuth('Bearer not-the-token')).status).toBe(401);
    expect((await withAuth('Bearer ')).status).toBe(401);
    expect((await withAuth(`Basic ${gw.gateway.adminToken}`)).status).toBe(401);
  });

  test('a token of the right length with one character changed is refused', async () => {
    const token = gw.gateway.adminToken;
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const changed = token.slice(0, -1) + last;
    expect(changed).toHaveLength(token.length);
    expect(changed).not.toBe(token);
    const reply = await withAuth(`Bearer ${changed}`);
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe(-32003);
  });

  test('the right token is accepted', async () => {
    const reply = await withAuth(`Bearer ${gw.gateway.adminToken}`);
    expect(reply.status).toBe(200);
    expect(reply.body.result).toEqual({ wallets: expect.any(Array) });
  });

  test('the application door needs no token', async () => {
    const reply = await gw.app({ jsonrpc: '2.0', id: 1, method: 'rpc.discover' });
    expect(reply.status).toBe(200);
  });

  test('the token file is readable by its owner only', () => {
    expect(gw.gateway.adminTokenPath).toBe(join(gw.dataDir, 'admin.token'));
    expect(statSync(gw.gateway.adminTokenPath).mode & 0o777).toBe(0o600);
  });

  test('a restart on the same data directory keeps the token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wallet-gateway-token-'));
    try {
      const first = await startTestGateway({}, dir);
      const token = first.gateway.adminToken;
      await first.close();
      const second = await startTestGateway({}, dir);
      try {
        expect(second.gateway.adminToken).toBe(token);
        const reply = await post(second.gateway.operatorUrl, listWallets(), { authorization: `Bearer ${token}` });
        expect(reply.status).toBe(200);
        expect(reply.body.result).toEqual({ wallets: [] });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
