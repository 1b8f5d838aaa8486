/**
 * The contract itself: openrpc.json is a valid OpenRPC document, carries the
 * seed's methods with their exact names, params and error codes, every
 * example agrees with its own schemas, and generated/ matches it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { validateOpenRPCDocument } from '@open-rpc/schema-utils-js';
import { methodTable, isMethodName } from '../../generated/methods.js';

const root = new URL('../../', import.meta.url);
const doc = JSON.parse(readFileSync(new URL('openrpc.json', root), 'utf8'));
const errors = doc.components.errors as Record<string, { code: number }>;
const codeOf = (e: { $ref?: string; code?: number }) => (e.$ref ? errors[e.$ref.split('/').pop() as string]?.code : e.code);

/** The seed's twelve methods with their params in order and the error codes it lists. */
const SEED: Record<string, { params: string[]; errors: number[] }> = {
  'session.connect_wallet': { params: ['hostname'], errors: [3000, 3001, -32001] },
  'session.disconnect_wallet': { params: ['token'], errors: [] },
  'session.get_permissions': { params: ['token'], errors: [] },
  'session.request_permissions': { params: ['token', 'requestedPermissions'], errors: [3000, 3001, -32001] },
  'session.list_keys': { params: ['token'], errors: [2000] },
  'session.send_transaction': { params: ['token', 'publicKey', 'sendingMode', 'encodedTransaction'], errors: [1000, 2000, 3000, 3001, -32001] },
  'session.get_chain_id': { params: [], errors: [1000] },
  'admin.create_wallet': { params: ['wallet', 'passphrase'], errors: [] },
  'admin.import_wallet': { params: ['wallet', 'passphrase', 'recoveryPhrase', 'version'], errors: [] },
  'admin.describe_wallet': { params: ['wallet', 'passphrase'], errors: [] },
  'admin.list_wallets': { params: [], errors: [] },
  'admin.remove_wallet': { params: ['wallet'], errors: [] },
};

test('openrpc.json is a valid OpenRPC document', () => {
  expect(validateOpenRPCDocument(doc)).toBe(true);
});

test('the seed methods are all there, with its param names, order and error codes', () => {
  for (const [name, seed] of Object.entries(SEED)) {
    const method = doc.methods.find((m: { name: string }) => m.name === name);
    expect(method).toBeDefined();
    // The seed's params come first, in its order; params added since come after them and are optional, so seed calls still fit.
    expect(method.params.slice(0, seed.params.length).map((p: { name: string }) => p.name)).toEqual(seed.params);
    expect(method.params.slice(seed.params.length).filter((p: { required?: boolean }) => p.required).map((p: { name: string }) => p.name)).toEqual([]);
    const codes = method.errors.map(codeOf);
    for (const code of seed.errors) expect(codes).toContain(code);
  }
  expect(doc.methods.map((m: { name: string }) => m.name)).toContain('rpc.discover');
});

test('every declared error of every method has an error example, and every error example is declared', () => {
  for (const method of doc.methods) {
    const declared = new Set(method.errors.map(codeOf));
    const exampled = new Set(method.examples.filter((e: any) => e['x-error']).map((e: any) => e['x-error'].code));
    for (const code of declared) expect([method.name, code, exampled.has(code)]).toEqual([method.name, code, true]);
    for (const code of exampled) expect([method.name, code, declared.has(code)]).toEqual([method.name, code, true]);
    expect(method.examples.some((e: any) => e.result)).toBe(true);
  }
});

/** Invalid-params rules that no schema can express; the method checks them after the schema passed. */
const CHECKED_BY_METHOD = new Set(['bip39', 'uniqueKeys', 'command', 'json']);

test('examples agree with the schemas: success params and results validate, invalid-params examples do not', () => {
  for (const method of doc.methods) {
    const name: string = method.name;
    if (!isMethodName(name)) throw new Error(`generated/ lacks ${name}`);
    const spec = methodTable[name];
    for (const example of method.examples) {
      const params = Object.fromEntries(example.params.map((p: { name: string; value: unknown }) => [p.name, p.value]));
      const paramsValid = spec.validateParams(params);
      const label = `${method.name}: ${example.name}`;
      if (example['x-error']?.code === -32602 && !CHECKED_BY_METHOD.has(example['x-error'].data.rule)) {
        expect([label, paramsValid]).toEqual([label, false]);
        const first = spec.validateParams.errors?.[0];
        expect([label, first?.keyword]).toEqual([label, example['x-error'].data.rule]);
      } else {
        expect([label, paramsValid, spec.validateParams.errors ?? null]).toEqual([label, true, null]);
      }
      if (example.result) expect([label, spec.validateResult(example.result.value)]).toEqual([label, true]);
    }
  }
});

test('version accepts 1, 2, "1" and "2" and nothing else', () => {
  const validate = methodTable['admin.import_wallet'].validateParams;
  const base = { wallet: 'w', passphrase: 'p', recoveryPhrase: 'x' };
  for (const version of [1, 2, '1', '2']) expect(validate({ ...base, version })).toBe(true);
  for (const version of [0, 3, '3', 2.5, '02', null, true]) expect(validate({ ...base, version })).toBe(false);
});

test('wallet names: the rule accepts ordinary names and refuses empty, padded, control and path characters', () => {
  const validate = methodTable['admin.remove_wallet'].validateParams;
  for (const wallet of ['my-wallet', 'wallet 1', 'Trésor', 'a', 'x.y_z', 'a'.repeat(64)]) expect([wallet, validate({ wallet })]).toEqual([wallet, true]);
  for (const wallet of ['', ' lead', 'trail ', 'a/b', 'a\\b', 'tab\there', 'nl\n', '.hidden', 'a'.repeat(65)]) {
    expect([wallet, validate({ wallet })]).toEqual([wallet, false]);
  }
});

test('generated/ is what the generator makes from openrpc.json today', () => {
  // Exits non-zero (and the call throws) when any generated file would change.
  execFileSync(process.execPath, ['scripts/generate.js', '--check'], { cwd: root, stdio: 'pipe' });
});
