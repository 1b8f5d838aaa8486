/**
 * Runs every example of openrpc.json against a live gateway over HTTP, on a
 * real SQLite file: exact results where they are deterministic, the declared
 * code, message and details for error examples, and the result schema for
 * every answer. Each example is sent by name and again by position. Reviews
 * are answered the way an owner would: through the operator door.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { GatewayConfig } from '../../src/config.js';
import type { DevNode } from '../../src/devnet/index.js';
import { isMethodName, methodTable, type MethodSpec } from '../../generated/methods.js';
import { deriveKeyPair, isValidRecoveryPhrase, recoveryPhraseToSeed } from '../../src/domain/wallet/hd.js';
import { SEED_PASSPHRASE, SEED_PHRASE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startFaultyProxy, type Fault } from '../helpers/faulty-proxy.js';
import { connectApp, grantPermissions, nextReview } from '../helpers/review.js';

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

/** Methods served by a later issue; only their params validation is live now. */
const PENDING = new Set<string>();
const isPending = (method: Method, example: Example) => PENDING.has(method.name) && example['x-error']?.code !== -32602;

type Step = (gw: TestGateway, state: State) => Promise<void>;
/** What fixtures learn that the request may need: real values for the example's placeholder token or id. */
interface State {
  token?: string;
  replacements: Record<string, unknown>;
}

interface Scenario {
  /** A gateway of its own, with this configuration. */
  gateway?: Partial<GatewayConfig>;
  /** A gateway of its own whose network is these nodes (in front of the shared gateway's development node). */
  network?: (gw: TestGateway) => Promise<{ nodes: string[]; close(): Promise<void> }>;
  /** State before the request, on top of an empty gateway. */
  steps?: Step[];
  /** How the owner answers the review the request starts. */
  reviewer?: 'approve' | 'reject' | 'none' | 'shutdown';
  headers?: Record<string, string>;
  /** Result paths that are random by design: checked by the schema and `check`, not by value. */
  random?: string[];
  check?: (result: any) => void;
}

const FIRST_KEY = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';
const importWallet = (name: string): Step => async (gw) => {
  await gw.call('admin.import_wallet', { wallet: name, passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 2 });
};
const myWallet = importWallet('my-wallet');
const unlock: Step = async (gw) => {
  await gw.call('admin.unlock_wallet', { wallet: 'my-wallet', passphrase: SEED_PASSPHRASE });
};
const taint: Step = async (gw) => {
  await gw.call('admin.taint_key', { wallet: 'my-wallet', publicKey: FIRST_KEY });
};
const secondKey: Step = async (gw) => {
  await gw.call('admin.generate_key', { wallet: 'my-wallet', passphrase: SEED_PASSPHRASE });
};
/** A real connection token of "vega.xyz" on "my-wallet" replaces the example's placeholder token. */
const connected: Step = async (gw, state) => {
  state.token = await connectApp(gw, 'vega.xyz', 'my-wallet');
  state.replacements.token = state.token;
};
const canRead: Step = async (gw, state) => {
  await grantPermissions(gw, state.token as string, 'read');
};
const apiToken: Step = async (gw, state) => {
  const created = (await gw.call('admin.create_api_token', { wallet: 'my-wallet', description: 'conformance' })) as { token: string };
  state.replacements.token = created.token;
};
/** Starts a connection request that waits for review; its review's id replaces the example's. */
const pendingConnection: Step = async (gw, state) => {
  void gw.app({ jsonrpc: '2.0', id: 1, method: 'session.connect_wallet', params: { hostname: 'vega.xyz' } });
  state.replacements.id = (await nextReview(gw)).id;
};
const createdApiToken: Step = async (gw, state) => {
  const created = (await gw.call('admin.create_api_token', { wallet: 'my-wallet', description: 'market-maker bot' })) as { apiToken: { id: string } };
  state.replacements.id = created.apiToken.id;
};

/** Created out of order, so that the pages show the sort rather than the insertion order. */
const THREE_WALLETS = [importWallet('wallet-3'), importWallet('wallet-1'), importWallet('wallet-2')];
const SESSION = [myWallet, connected];
const READY = [myWallet, connected, canRead, unlock];
/** Transactions of vega.xyz are approved by policy, so that steps can send some without a reviewer. */
const autoApprove: Step = async (gw) => {
  await gw.call('admin.set_policy', { policy: { rules: [{ kind: 'transaction', action: 'approve' }], default: 'ask' } });
};
const VOTE = 'eyJ2b3RlU3VibWlzc2lvbiI6eyJwcm9wb3NhbElkIjoiYWJjIiwidmFsdWUiOiJWQUxVRV9ZRVMifX0=';
/** Two transactions against the current block: the most the network takes from one key per block. */
const twoSent: Step = async (gw, state) => {
  for (const id of [1, 2]) {
    const reply = await gw.app({ jsonrpc: '2.0', id, method: 'session.sign_transaction', params: { token: state.token, publicKey: FIRST_KEY, encodedTransaction: VOTE } });
    if (!reply.body.result) throw new Error(JSON.stringify(reply.body.error));
  }
};
const offline = async () => ({ nodes: ['http://127.0.0.1:1'], close: async () => {} });
const failing = (path: RegExp, fault: Fault) => async (gw: TestGateway) => {
  const proxy = await startFaultyProxy((gw.gateway.devnet as DevNode).url);
  proxy.fail(path, fault);
  return { nodes: [proxy.url], close: () => proxy.close() };
};
const addNetwork = (name: string, nodes: string[]): Step => async (gw) => {
  await gw.call('admin.add_network', { name, nodes });
};
const testnet = addNetwork('testnet', ['https://n01.testnet.example']);
const TX_RANDOM = ['receivedAt', 'sentAt', 'txHash'];
/** The scenarios every transaction method shares, by example name. */
const transactionScenarios = (method: string, ok: string): Record<string, Scenario> => ({
  [`${method}: ${ok}`]: {
    steps: READY,
    reviewer: 'approve',
    random: method === 'session.sign_transaction' ? ['transaction', 'encodedTransaction', 'txHash'] : TX_RANDOM,
    check: (result) => {
      if (method === 'session.sign_transaction') {
        expect(result.transaction.pubKey).toBe(FIRST_KEY);
        expect(createHash('sha256').update(Buffer.from(result.encodedTransaction, 'base64')).digest('hex').toUpperCase()).toBe(result.txHash);
      } else {
        expect(Date.parse(result.sentAt)).toBeGreaterThanOrEqual(Date.parse(result.receivedAt));
      }
    },
  },
  [`${method}: No healthy node`]: { network: offline, steps: READY, reviewer: 'approve' },
  [`${method}: Last block unknown`]: { network: failing(/^\/blockchain\/height/, 'error-500'), steps: READY, reviewer: 'approve' },
  [`${method}: Transaction failed`]: { network: failing(/^\/transaction\/raw/, 'drop'), steps: READY, reviewer: 'approve' },
  [`${method}: Key not allowed`]: { steps: SESSION },
  [`${method}: Too many transactions for the key`]: { gateway: { devnet: { blockTimeMs: 0, powDifficulty: 1 } }, steps: [...READY, autoApprove, twoSent] },
  [`${method}: ${method === 'session.send_transaction' ? 'Transaction closed by the gateway' : 'Closed by the gateway'}`]: { steps: [myWallet, connected, canRead], reviewer: 'shutdown' },
  [`${method}: ${method === 'session.send_transaction' ? 'Transaction rejected' : 'Rejected'}`]: { steps: [myWallet, connected, canRead], reviewer: 'reject' },
  [`${method}: ${method === 'session.send_transaction' ? 'Transaction review interrupted' : 'Review interrupted'}`]: { steps: [myWallet, connected, canRead], reviewer: 'none' },
});

/** Keyed by "method: example". An example not listed runs on an empty gateway and must match exactly. */
const SCENARIOS: Record<string, Scenario> = {
  'session.connect_wallet: Accepting a connection from "vega.xyz"': { steps: [myWallet], reviewer: 'approve', random: ['token'] },
  'session.connect_wallet: Rejecting a connection from "vega.xyz"': { steps: [myWallet], reviewer: 'reject' },
  'session.connect_wallet: Connection closed by the gateway': { steps: [myWallet], reviewer: 'shutdown' },
  'session.connect_wallet: Connection review interrupted': { steps: [myWallet], reviewer: 'none' },
  'session.connect_wallet: Origin of another host': { steps: [myWallet], headers: { origin: 'https://evil.example' } },
  'session.disconnect_wallet: Disconnection from "vega.xyz"': { steps: SESSION },
  'session.get_permissions: Get permissions set for "vega.xyz"': { steps: [...SESSION, canRead] },
  'session.request_permissions: Updating permissions for "vega.xyz"': { steps: SESSION, reviewer: 'approve' },
  'session.request_permissions: Updating permissions for "vega.xyz" with omitted permission': { steps: [...SESSION, canRead], reviewer: 'approve' },
  'session.request_permissions: Permission update rejected': { steps: SESSION, reviewer: 'reject' },
  'session.request_permissions: Permission update closed by the gateway': { steps: SESSION, reviewer: 'shutdown' },
  'session.request_permissions: Permission review interrupted': { steps: SESSION, reviewer: 'none' },
  'session.request_permissions: Permissions of an API token': { steps: [myWallet, apiToken] },
  'session.list_keys: List keys allowed on "vega.xyz"': { steps: [myWallet, secondKey, connected, canRead] },
  'session.list_keys: Listing keys without read access': { steps: SESSION },
  ...transactionScenarios('session.send_transaction', 'Sending a transaction for "vega.xyz"'),
  ...transactionScenarios('session.sign_transaction', 'Signing a vote'),
  ...transactionScenarios('session.check_transaction', 'Checking a vote'),
  'session.get_chain_id: No node answers': { network: offline },
  'admin.list_networks: Listing networks': { random: ['networks.0.nodes'] },
  'admin.describe_network: Describing a network': { steps: [addNetwork('offline', ['http://127.0.0.1:9'])], random: ['health.0.error', 'health.0.latencyMs'] },
  'admin.add_network: Adding a network whose name is taken': { steps: [testnet] },
  'admin.update_network: Updating a network': { steps: [testnet] },
  'admin.remove_network: Removing a network': { steps: [testnet] },
  'admin.create_wallet: Creating a wallet': {
    random: ['wallet.recoveryPhrase', 'key.publicKey'],
    // The random phrase must be valid and must really produce the returned key.
    check: (result) => {
      expect(result.wallet.recoveryPhrase.split(' ')).toHaveLength(24);
      expect(isValidRecoveryPhrase(result.wallet.recoveryPhrase)).toBe(true);
      expect(deriveKeyPair(recoveryPhraseToSeed(result.wallet.recoveryPhrase), 2, 1).publicKey).toBe(result.key.publicKey);
    },
  },
  'admin.create_wallet: Creating a wallet whose name is taken': { steps: [myWallet] },
  'admin.import_wallet: Importing a wallet whose name is taken': { steps: [myWallet] },
  'admin.describe_wallet: Getting wallet base information': { steps: [myWallet] },
  'admin.describe_wallet: Describing a wallet with a wrong passphrase': { steps: [myWallet] },
  'admin.list_wallets: Getting the list of wallets': { steps: [importWallet('wallet-2'), importWallet('wallet-1')] },
  'admin.list_wallets: Getting the first page of wallets': { steps: THREE_WALLETS },
  'admin.list_wallets: Getting the last page of wallets': { steps: THREE_WALLETS },
  'admin.remove_wallet: Remove a wallet': { steps: [myWallet] },
  'admin.unlock_wallet: Unlocking a wallet': { steps: [myWallet] },
  'admin.unlock_wallet: Unlocking with a wrong passphrase': { steps: [myWallet] },
  'admin.lock_wallet: Locking a wallet': { steps: [myWallet, unlock] },
  'admin.generate_key: Generating a key': { steps: [myWallet] },
  'admin.generate_key: Wallet locked': { steps: [myWallet] },
  'admin.list_keys: Listing keys': { steps: [myWallet] },
  'admin.describe_key: Describing a key': { steps: [myWallet] },
  'admin.describe_key: Unknown key': { steps: [myWallet] },
  'admin.annotate_key: Annotating a key': { steps: [myWallet] },
  'admin.annotate_key: Unknown key': { steps: [myWallet] },
  'admin.annotate_key: Invalid params: the same metadata key twice': { steps: [myWallet] },
  'admin.taint_key: Tainting a key': { steps: [myWallet] },
  'admin.taint_key: Tainting a tainted key': { steps: [myWallet, taint] },
  'admin.untaint_key: Untainting a key': { steps: [myWallet, taint] },
  'admin.untaint_key: Untainting a key that is not tainted': { steps: [myWallet] },
  'admin.rename_wallet: Renaming a wallet': { steps: [myWallet] },
  'admin.rename_wallet: Renaming onto a taken name': { steps: [myWallet, importWallet('savings')] },
  'admin.update_passphrase: Changing the passphrase': { steps: [myWallet] },
  'admin.update_passphrase: Changing the passphrase with a wrong one': { steps: [myWallet] },
  'admin.sign_message: Signing a message': { steps: [myWallet, unlock] },
  'admin.sign_message: Wallet locked': { steps: [myWallet] },
  'admin.sign_message: Signing with a tainted key': { steps: [myWallet, unlock, taint] },
  'admin.export_key: Exporting a key': { steps: [myWallet] },
  'admin.export_key: Exporting with a wrong passphrase': { steps: [myWallet] },
  'admin.list_reviews: Listing pending reviews': { steps: [myWallet, pendingConnection], random: ['reviews.0.id', 'reviews.0.receivedAt', 'reviews.0.expiresAt'] },
  'admin.decide_review: Approving a connection': { steps: [myWallet, pendingConnection] },
  'admin.close_connection: Closing a connection': { steps: SESSION },
  'admin.list_permissions: Listing permissions': { steps: [...SESSION, canRead] },
  'admin.revoke_permissions: Revoking permissions': { steps: [...SESSION, canRead] },
  'admin.create_api_token: Creating an API token': { steps: [myWallet], random: ['token', 'apiToken.id', 'apiToken.createdAt'] },
  'admin.create_api_token: Creating an API token for a key of another wallet': { steps: [myWallet] },
  'admin.revoke_api_token: Revoking an API token': { steps: [myWallet, createdApiToken] },
  'rpc.discover: Discovering the application door': {
    random: ['*'],
    check: (result) => {
      const names = (result.methods as { name: string }[]).map((m) => m.name).sort();
      expect(names).toEqual(doc.methods.map((m) => m.name).filter((n) => n.startsWith('session.') || n.startsWith('rpc.')).sort());
    },
  },
};

async function reset(gw: TestGateway): Promise<void> {
  const { reviews } = (await gw.call('admin.list_reviews')) as { reviews: { id: string }[] };
  for (const review of reviews) await gw.admin({ jsonrpc: '2.0', id: 1, method: 'admin.decide_review', params: { id: review.id, approved: false } });
  const { wallets } = (await gw.call('admin.list_wallets')) as { wallets: string[] };
  for (const wallet of wallets) await gw.call('admin.remove_wallet', { wallet });
  await gw.call('admin.set_policy', { policy: { rules: [], default: 'ask' } });
  const { networks } = (await gw.call('admin.list_networks')) as { networks: { name: string; active: boolean }[] };
  for (const network of networks) if (!network.active) await gw.call('admin.remove_network', { name: network.name });
}

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

function byPosition(spec: MethodSpec, params: Record<string, unknown>): unknown[] {
  const extra = Object.keys(params).filter((n) => !spec.paramNames.includes(n));
  const ordered = spec.paramNames.filter((n) => n in params).map((n) => params[n]);
  return [...ordered, ...extra.map((n) => params[n])];
}

/** Sends the request and plays the owner's part while it waits. */
async function run(gw: TestGateway, method: string, params: unknown, scenario: Scenario) {
  const door = method.startsWith('admin.') ? gw.admin : gw.app;
  const reply = door({ jsonrpc: '2.0', id: 7, method, params }, scenario.headers);
  if (scenario.reviewer === 'approve' || scenario.reviewer === 'reject') {
    const review = await nextReview(gw);
    const approved = scenario.reviewer === 'approve';
    await gw.call('admin.decide_review', { id: review.id, approved, ...(approved && review.kind === 'connection' ? { wallet: 'my-wallet' } : {}) });
  }
  if (scenario.reviewer === 'shutdown') {
    await nextReview(gw);
    await gw.gateway.close();
  }
  return reply;
}

let gw: TestGateway;

/** The shared gateway: its development node has the chain id of the seed's example, short blocks and one-block epochs (so per-epoch vote limits never bite). */
const SHARED: Partial<GatewayConfig> = {
  // Reviews left unanswered time out after a second.
  reviewTimeoutSeconds: 1,
  devnet: { chainId: 'test-chain-Thz9c6', blockTimeMs: 200, powDifficulty: 2, epochLengthBlocks: 1 },
};

beforeAll(async () => {
  gw = await startTestGateway(SHARED);
});
afterAll(async () => {
  await gw?.close();
});

test('every method of the spec is served and has examples', () => {
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
      const scenario = SCENARIOS[key] ?? {};
      for (const form of ['by name', 'by position'] as const) {
        test(`${example.name} (${form})`, async () => {
          if (!isMethodName(method.name)) throw new Error(`unknown method ${method.name}`);
          const spec = methodTable[method.name];
          // A shutdown, another network or another node configuration needs a gateway of its own.
          const network = scenario.network ? await scenario.network(gw) : undefined;
          const own = scenario.reviewer === 'shutdown' || scenario.gateway || network;
          const target = own
            ? await startTestGateway({ ...SHARED, reviewTimeoutSeconds: 30, ...scenario.gateway, ...(network ? { network: 'remote', networkNodes: network.nodes } : {}) })
            : gw;
          try {
            await reset(target);
            const state: State = { replacements: {} };
            for (const step of scenario.steps ?? []) await step(target, state);
            const named = Object.fromEntries(example.params.map((p) => [p.name, p.name in state.replacements ? state.replacements[p.name] : p.value]));
            const params = form === 'by name' ? named : byPosition(spec, named);
            const reply = await run(target, method.name, params, scenario);
            expect(reply.status).toBe(200);
            expect(reply.body.jsonrpc).toBe('2.0');
            expect(reply.body.id).toBe(7);

            const expectedError = example['x-error'];
            if (expectedError) {
              expect(reply.body.result).toBeUndefined();
              expect(reply.body.error.code).toBe(expectedError.code);
              expect(reply.body.error.message).toBe(expectedError.message);
              expect(spec.errorCodes).toContain(expectedError.code);
              // Details are part of the contract where they can be: the reason of an application or authentication error,
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
            const ignored = scenario.random ?? [];
            expect(withoutPaths(reply.body.result, ignored)).toEqual(withoutPaths(example.result?.value ?? null, ignored));
            scenario.check?.(reply.body.result);
          } finally {
            if (target !== gw) await target.close();
            await network?.close();
          }
        });
      }
    }
  });
}
