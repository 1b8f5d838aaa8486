/**
 * A burst of failed authentication attempts from one address is slowed down:
 * unknown tokens and wrong passphrases on either door, wrong bearer tokens
 * on the operator door. Every request from that address is then refused
 * with -32005 until the window has passed.
 */
import { FailureLimiter } from '../../src/rpc/failure-limiter.js';
import { SEED_PASSPHRASE, SEED_PHRASE, post, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const rpc = (method: string, params: unknown) => ({ jsonrpc: '2.0', id: 1, method, params });
const WINDOW_MS = 1500;

let gw: TestGateway;
beforeEach(async () => {
  gw = await startTestGateway({ failureLimits: { maxFailures: 3, windowMs: WINDOW_MS } });
});
afterEach(async () => {
  await gw.close();
});

test('unknown tokens: after three, even a valid request is refused for the rest of the window', async () => {
  for (let i = 0; i < 3; i++) {
    const reply = await gw.app(rpc('session.get_permissions', { token: `guess-${i}` }));
    expect(reply.body.error.code).toBe(-32003);
  }
  const limited = await gw.app(rpc('rpc.discover', {}));
  expect(limited.body.error).toMatchObject({ code: -32005, message: 'Limit exceeded' });
  expect(limited.body.error.data.retryAfterSeconds).toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 100));
  expect((await gw.app(rpc('rpc.discover', {}))).body.result.openrpc).toEqual(expect.any(String));
});

test('wrong passphrases count too, and the limit covers both doors', async () => {
  await gw.call('admin.import_wallet', { wallet: 'w', passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 2 });
  for (let i = 0; i < 3; i++) {
    const reply = await gw.admin(rpc('admin.describe_wallet', { wallet: 'w', passphrase: `wrong-${i}` }));
    expect(reply.body.error.data.reason).toBe('wrong_passphrase');
  }
  // The right passphrase is refused as well while the address is limited: guessing gains nothing.
  expect((await gw.admin(rpc('admin.describe_wallet', { wallet: 'w', passphrase: SEED_PASSPHRASE }))).body.error.code).toBe(-32005);
  expect((await gw.app(rpc('rpc.discover', {}))).body.error.code).toBe(-32005);
});

test('wrong operator tokens are answered 401, then 429 with Retry-After', async () => {
  for (let i = 0; i < 3; i++) {
    const reply = await post(gw.gateway.operatorUrl, rpc('admin.list_wallets', {}), { authorization: `Bearer wrong-${i}` });
    expect(reply.status).toBe(401);
  }
  const limited = await gw.admin(rpc('admin.list_wallets', {}));
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(limited.body.error.code).toBe(-32005);
});

test('successes do not count, and other failures (bad params) do not either', async () => {
  for (let i = 0; i < 10; i++) {
    expect((await gw.app(rpc('rpc.discover', {}))).body.result).toBeDefined();
    expect((await gw.app(rpc('session.connect_wallet', { hostname: '' }))).body.error.code).toBe(-32602);
  }
  expect((await gw.app(rpc('rpc.discover', {}))).body.result).toBeDefined();
});

describe('FailureLimiter', () => {
  test('counts per source within a sliding window', () => {
    let now = 0;
    const limiter = new FailureLimiter({ maxFailures: 2, windowMs: 100 }, () => now);
    limiter.recordFailure('a');
    now = 50;
    limiter.recordFailure('a');
    expect(limiter.retryAfterMs('a')).toBe(50);
    expect(limiter.retryAfterMs('b')).toBe(0);
    now = 101;
    // The first failure has left the window; one remains.
    expect(limiter.retryAfterMs('a')).toBe(0);
    limiter.recordFailure('a');
    expect(limiter.retryAfterMs('a')).toBe(49);
  });

  test('forgets the oldest sources first when flooded with addresses', () => {
    const limiter = new FailureLimiter({ maxFailures: 1, windowMs: 60_000 });
    limiter.recordFailure('first');
    for (let i = 0; i < 10_000; i++) limiter.recordFailure(`addr-${i}`);
    expect(limiter.retryAfterMs('first')).toBe(0);
    expect(limiter.retryAfterMs('addr-9999')).toBeGreaterThan(0);
  });
});
