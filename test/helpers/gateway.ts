import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type GatewayConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/logger.js';

/** A cheaper scrypt cost for tests that create many wallets; tests of the KDF itself use the default. */
export const FAST_SCRYPT = { N: 2 ** 12, r: 8, p: 1 };

export const SEED_PHRASE =
  'swing ceiling chaos green put insane ripple desk match tip melt usual shrug turkey renew icon parade veteran lens govern path rough page render';
export const SEED_PASSPHRASE = 'this-is-not-a-good-passphrase';

export interface RpcReply {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface TestGateway {
  gateway: Gateway;
  dataDir: string;
  /** Every log line the gateway wrote, at debug level. */
  logs: string[];
  /** POSTs a body (object or raw text) to the operator door with the token. */
  admin(body: unknown, headers?: Record<string, string>): Promise<RpcReply>;
  /** POSTs a body to the application door. */
  app(body: unknown, headers?: Record<string, string>): Promise<RpcReply>;
  /** Calls an admin method by name and returns its result, failing on an error. */
  call(method: string, params?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RpcReply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

export async function startTestGateway(overrides: Partial<GatewayConfig> = {}, dataDir?: string): Promise<TestGateway> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'wallet-gateway-test-'));
  const logs: string[] = [];
  const gateway = await startGateway(
    defaultConfig({
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      validateResults: true,
      scryptCost: FAST_SCRYPT,
      // Tests fail on purpose from one address many times; the limiter has tests of its own.
      failureLimits: { maxFailures: 1_000_000, windowMs: 60_000 },
      ...overrides,
    }),
    { logger: createLogger('debug', (line) => logs.push(line)) },
  );
  let id = 0;
  const auth = { authorization: `Bearer ${gateway.adminToken}` };
  return {
    gateway,
    dataDir: dir,
    logs,
    admin: (body, headers = {}) => post(gateway.operatorUrl, body, { ...auth, ...headers }),
    app: (body, headers = {}) => post(gateway.applicationUrl, body, headers),
    async call(method, params) {
      const reply = await post(gateway.operatorUrl, { jsonrpc: '2.0', id: ++id, method, params: params ?? {} }, auth);
      if (reply.body?.error) throw new Error(`${method} failed: ${JSON.stringify(reply.body.error)}`);
      return reply.body.result;
    },
    async close() {
      await gateway.close();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
