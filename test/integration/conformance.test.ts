/**
 * Runs every example of openrpc.json against a live gateway over HTTP, on a
 * real SQLite file: exact results where they
 * are deterministic, the declared code, message and details for error
 * examples, and the result schema for every answer. Each example is sent by
 * name and again by position.
 */
import { readFileSync } from 'node:fs';
import { methodTable, type MethodSpec } from '../../generated/methods.js';
import { isMethodName } from '../../generated/methods.js';
import { deriveKeyPair, isValidRecoveryPhrase, recoveryPhraseToSeed } from '../../src/domain/wallet/hd.js';
import { SEED_PASSPHRASE, SEED_PHRASE, startTestGateway, type TestGateway } from '../helpers/gateway.js';

interface Example {
  name: string;
  params: { name: string; value: unknown }[];
  result?: { name: string; value: unknown };
  'x-error'?: { code: number; message: string; data?: Record<string, unknown> };
}
interface Method {
  name: string;
  params: { name: string }[];
  examples: Example[];
}

const doc = JSON.parse(readFileSync(new URL('../../openrpc.json', import.meta.url), 'utf8')) as { methods: Method[] };

/** Session methods come with later issues; only their params validation is live now. */
const isPending = (method: Method, example: Example) => method.name.startsWith('session.') && example['x-error']?.code !== -32602;

type Fixture = (gw: TestGateway) => Promise<void>;

const importWallet = (name: string, version = 2): Fixture => async (gw) => {
  await gw.call('admin.import_wallet', { wallet: name, passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version });
};
const reset: Fixture = async (gw) => {
  const { wallets } = (await gw.call('admin.list_wallets')) as { wallets: string[] };
  for (const wallet of wallets) await gw.call('admin.remove_wallet', { wallet });
};
const fixtures = (...steps: Fixture[]): Fixture => async (gw) => {
  await reset(gw);
  for (const step of steps) await step(gw);
};

const FIRST_KEY = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';
const unlock: Fixture = async (gw) => {
  await gw.call('admin.unlock_wallet', { wallet: 'my-wallet', passphrase: SEED_PASSPHRASE });
};
const taint: Fixture = async (gw) => {
  await gw.call('admin.taint_key', { wallet: 'my-wallet', publicKey: FIRST_KEY });
};
const myWallet = fixtures(importWallet('my-wallet'));

/** State each example needs beyond an empty gateway, keyed by "method: example". */
const FIXTURES: Record<string, Fixture> = {
  'admin.create_wallet: Creating a wallet whose name is taken': myWallet,
  'admin.import_wallet: Importing a wallet whose name is taken': myWallet,
  'admin.describe_wallet: Getting wallet base information': myWallet,
  'admin.describe_wallet: Describing a wallet with a wrong passphrase': myWallet,
  'admin.list_wallets: Getting the list of wallets': fixtures(importWallet('wallet-2'), importWallet('wallet-1')),
  'admin.remove_wallet: Remove a wallet': myWallet,
  'admin.unlock_wallet: Unlocking a wallet': myWallet,
  'admin.unlock_wallet: Unlocking with a wrong passphrase': myWallet,
  'admin.lock_wallet: Locking a wallet': fixtures(importWallet('my-wallet'), unlock),
  'admin.generate_key: Generating a key': myWallet,
  'admin.generate_key: Wallet locked': myWallet,
  'admin.list_keys: Listing keys': myWallet,
  'admin.describe_key: Describing a key': myWallet,
  'admin.describe_key: Unknown key': myWallet,
  'admin.annotate_key: Annotating a key': myWallet,
  'admin.annotate_key: Unknown key': myWallet,
  'admin.annotate_key: Invalid params: the same metadata key twice': myWallet,
  'admin.taint_key: Tainting a key': myWallet,
  'admin.taint_key: Tainting a tainted key': fixtures(importWallet('my-wallet'), taint),
  'admin.untaint_key: Untainting a key': fixtures(importWallet('my-wallet'), taint),
  'admin.untaint_key: Untainting a key that is not tainted': myWallet,
  'admin.rename_wallet: Renaming a wallet': myWallet,
  'admin.rename_wallet: Renaming onto a taken name': fixtures(importWallet('my-wallet'), importWallet('savings')),
  'admin.update_passphrase: Changing the passphrase': myWallet,
  'admin.update_passphrase: Changing the passphrase with a wrong one': myWallet,
  'admin.sign_message: Signing a message': fixtures(importWallet('my-wallet'), unlock),
  'admin.sign_message: Wallet locked': myWallet,
  'admin.sign_message: Signing with a tainted key': fixtures(importWallet('my-wallet'), unlock, taint),
  'admin.export_key: Exporting a key': myWallet,
  'admin.export_key: Exporting with a wrong passphrase': myWallet,
};

/** Parts of a result that are random by design: checked by the schema and by `extraChecks`, not by value. */
const RANDOM_PATHS: Record<string, string[]> = {
  'admin.create_wallet: Creating a wallet': ['wallet.recoveryPhrase', 'key.publicKey'],
  'rpc.discover: Discovering the application door': ['*'],
};

const extraChecks: Record<string, (result: any, gw: TestGateway) => Promise<void> | void> = {
  // The random phrase must be valid and must really produce the returned key.
  'admin.create_wallet: Creating a wallet': (result) => {
    expect(result.wallet.recoveryPhrase.split(' ')).toHaveLength(24);
    expect(isValidRecoveryPhrase(result.wallet.recoveryPhrase)).toBe(true);
    expect(deriveKeyPair(recoveryPhraseToSeed(result.wallet.recoveryPhrase), 2, 1).publicKey).toBe(result.key.publicKey);
  },
  'rpc.discover: Discovering the application door': (result) => {
    const names = (result.methods as { name: string }[]).map((m) => m.name).sort();
    expect(names).toEqual(doc.methods.map((m) => m.name).filter((n) => n.startsWith('session.') || n.startsWith('rpc.')).sort());
  },
};

function withoutPaths(value: unknown, paths: string[]): unknown {
  if (paths.includes('*')) return undefined;
  const copy = structuredClone(value) as Record<string, any>;
  for (const path of paths) {
    const parts = path.split('.');
    let node = copy;
    for (const part of parts.slice(0, -1)) node = node?.[part];
    if (node) delete node[parts[parts.length - 1] as string];
  }
  return copy;
}

function byPosition(spec: MethodSpec, params: Example['params']): unknown[] {
  const named = new Map(params.map((p) => [p.name, p.value]));
  const extra = params.filter((p) => !spec.paramNames.includes(p.name)).map((p) => p.value);
  const ordered = spec.paramNames.filter((n) => named.has(n)).map((n) => named.get(n));
  return [...ordered, ...extra];
}

let gw: TestGateway;

beforeAll(async () => {
  // A cheap scrypt cost keeps the many fixtures fast; test/integration/wallets.test.ts checks the production cost.
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

test('every method of the spec is served and every example is covered below', () => {
  for (const method of doc.methods) {
    expect(isMethodName(method.name)).toBe(true);
    expect(method.examples.length).toBeGreaterThan(0);
  }
});

for (const method of doc.methods) {
  describe(method.name, () => {
    for (const example of method.examples) {
      const key = `${method.name}: ${example.name}`;
      if (isPending(method, example)) {
        test.todo(`${example.name} (pending: ${method.name} is served by a later issue)`);
        continue;
      }
      for (const form of ['by name', 'by position'] as const) {
        test(`${example.name} (${form})`, async () => {
          if (!isMethodName(method.name)) throw new Error(`unknown method ${method.name}`);
          const spec = methodTable[method.name];
          await (FIXTURES[key] ?? reset)(gw);
          const params = form === 'by name' ? Object.fromEntries(example.params.map((p) => [p.name, p.value])) : byPosition(spec, example.params);
          const door = method.name.startsWith('admin.') ? gw.admin : gw.app;
          const reply = await door({ jsonrpc: '2.0', id: 7, method: method.name, params });
          expect(reply.status).toBe(200);
          expect(reply.body.jsonrpc).toBe('2.0');
          expect(reply.body.id).toBe(7);

          const expectedError = example['x-error'];
          if (expectedError) {
            expect(reply.body.result).toBeUndefined();
            expect(reply.body.error.code).toBe(expectedError.code);
            expect(reply.body.error.message).toBe(expectedError.message);
            expect(spec.errorCodes).toContain(expectedError.code);
            // Details are part of the contract where they can be: the reason of an application error,
            // the path and rule of invalid params (by name; by position the shape itself may be what is wrong).
            const data = expectedError.data ?? {};
            if (data.reason) expect(reply.body.error.data.reason).toBe(data.reason);
            if (expectedError.code === -32602 && form === 'by name') {
              expect(reply.body.error.data).toMatchObject({ path: data.path, rule: data.rule });
            }
            return;
          }
          expect(reply.body.error).toBeUndefined();
          expect(spec.validateResult(reply.body.result)).toBe(true);
          const ignored = RANDOM_PATHS[key] ?? [];
          expect(withoutPaths(reply.body.result, ignored)).toEqual(withoutPaths(example.result?.value ?? null, ignored));
          await extraChecks[key]?.(reply.body.result, gw);
        });
      }
    }
  });
}
