/**
 * The key, message and wallet-state commands of the built command line
 * (bin/wallet-gateway → dist/), run as real processes against a real
 * `serve` process with its own data directory. `serve` uses the production
 * scrypt cost, so every import, unlock, describe and passphrase change costs
 * about 0.4 s: this file imports a single wallet. When running this file
 * alone, build first with `npx tsc -p tsconfig.build.json`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deriveKeyPair, recoveryPhraseToSeed } from '../../src/domain/wallet/hd.js';
import { FIRST_KEY as KEY1 } from '../helpers/app.js';
import { cliSandbox, noStackTrace, requireBuild, type Served } from '../helpers/cli.js';
import { SEED_PHRASE } from '../helpers/gateway.js';

// vega-facts.md §5.1 (KEY1, the seed phrase's first key) and §5.2
const MESSAGE = "Je ne connaîtrai pas la peur car la peur tue l'esprit.";
const SIGNATURE = 'StH82RHxjQ3yTeaSN25b6sJwAyLiq1CDvPWf0X4KIf/WTIjkunkWKn1Gq9ntCoGBfBZIyNfpPtGx0TSZsSrbCA==';
const PASSPHRASE = 'cli-keys-first-passphrase-51';
const NEW_PASSPHRASE = 'cli-keys-second-passphrase-73';

const KEY2 = (() => {
  const seed = recoveryPhraseToSeed(SEED_PHRASE);
  const pair = deriveKeyPair(seed, 2, 2);
  pair.secretKey.fill(0);
  seed.fill(0);
  return pair.publicKey;
})();

const cli = cliSandbox('wallet-gateway-cli-keys-');
const { tempDir, run, startServe } = cli;

beforeAll(() => requireBuild('main.js'));

afterAll(() => cli.cleanup());

describe('key, message and wallet-state commands against a running gateway', () => {
  let served: Served;
  let conn: string[];
  let passphraseFile: string;
  let newPassphraseFile: string;
  let phraseFile: string;

  beforeAll(async () => {
    const dataDir = tempDir();
    served = await startServe(dataDir);
    conn = ['--admin-url', served.operatorUrl, '--data-dir', dataDir];
    ({ old: passphraseFile, new: newPassphraseFile, phrase: phraseFile } = cli.secretFiles({ old: PASSPHRASE, new: NEW_PASSPHRASE, phrase: SEED_PHRASE }));
  });

  afterAll(async () => {
    if (served && served.child.exitCode === null) {
      served.child.kill('SIGTERM');
      await served.exited;
    }
  });

  const ok = async (args: string[]) => {
    const result = await run([...args, ...conn]);
    expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
    return result.stdout;
  };
  const fails = async (args: string[], code = 1) => {
    const result = await run([...args, ...conn]);
    expect({ args, code: result.code }).toEqual({ args, code });
    expect(result.stdout).toBe('');
    noStackTrace(result.stderr);
    return result.stderr;
  };
  const signArgs = (wallet: string, publicKey: string) => ['message', 'sign', '--wallet', wallet, '--public-key', publicKey, '--message', MESSAGE];

  it('signs, verifies and manages keys from the command line, from import to passphrase change', async () => {
    // Checks that do not depend on each other run side by side: each command is a process of its own.
    const imported = await ok(['wallet', 'import', '--wallet', 'cli-wallet', '--recovery-phrase-file', phraseFile, '--passphrase-file', passphraseFile, '--version', '2']);
    expect(imported).toContain(`First key: ${KEY1}`);

    expect(await ok(['wallet', 'unlock', '--wallet', 'cli-wallet', '--passphrase-file', passphraseFile])).toMatch(/Unlocked wallet "cli-wallet"; it locks after 300 s/);

    const verify = (message: string, publicKey = KEY1) => run(['message', 'verify', '--public-key', publicKey, '--signature', SIGNATURE, '--message', message, ...conn]);
    const [signed, valid, wrongMessage, wrongKey, generated] = await Promise.all([
      ok(signArgs('cli-wallet', KEY1)),
      verify(MESSAGE),
      verify(`${MESSAGE} `),
      verify(MESSAGE, KEY2),
      // Unlocked: no passphrase file and no terminal needed.
      ok(['key', 'generate', '--wallet', 'cli-wallet', '--meta', 'role=bot']),
    ]);
    // The reference signature, alone on its line.
    expect(signed).toBe(`${SIGNATURE}\n`);
    expect(valid).toMatchObject({ code: 0, stdout: 'valid\n' });
    expect(wrongMessage).toMatchObject({ code: 1, stdout: 'invalid\n' });
    expect(wrongKey).toMatchObject({ code: 1, stdout: 'invalid\n' });
    expect(generated).toMatch(new RegExp(`^Public key:\\s+${KEY2}$`, 'm'));
    expect(generated).toMatch(/^Name:\s+cli-wallet key 2$/m);
    expect(generated).toMatch(/^Index:\s+2$/m);
    expect(generated).toMatch(/^Tainted:\s+no$/m);
    expect(generated).toMatch(/^Metadata:\s+role=bot$/m);

    const [second, listed, described] = await Promise.all([
      ok(signArgs('cli-wallet', KEY2)),
      ok(['key', 'list', '--wallet', 'cli-wallet']),
      ok(['key', 'describe', '--wallet', 'cli-wallet', '--public-key', KEY2]),
    ]);
    // The new key signs, and its signature is its own.
    expect(second.trim()).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(second.trim()).not.toBe(SIGNATURE);
    expect(listed.trimEnd().split('\n')).toEqual([`  1  ${KEY1}  cli-wallet key 1`, `  2  ${KEY2}  cli-wallet key 2`]);
    expect(described).toMatch(/^Name:\s+cli-wallet key 2$/m);
    expect(described).toMatch(/^Metadata:\s+role=bot$/m);

    // annotate replaces the metadata and keeps the name; bad metadata is refused with where and why.
    const [annotated, keyTwoValid, duplicate, malformed] = await Promise.all([
      ok(['key', 'annotate', '--wallet', 'cli-wallet', '--public-key', KEY2, '--meta', 'desk=x']),
      run(['message', 'verify', '--public-key', KEY2, '--signature', second.trim(), '--message', MESSAGE, ...conn]),
      fails(['key', 'annotate', '--wallet', 'cli-wallet', '--public-key', KEY2, '--meta', 'a=1', '--meta', 'a=2']),
      fails(['key', 'annotate', '--wallet', 'cli-wallet', '--public-key', KEY2, '--meta', 'novalue'], 2),
    ]);
    expect(annotated).toMatch(/^Name:\s+cli-wallet key 2$/m);
    expect(annotated).toMatch(/^Metadata:\s+desk=x$/m);
    expect(annotated).not.toContain('role=bot');
    expect(keyTwoValid).toMatchObject({ code: 0, stdout: 'valid\n' });
    expect(duplicate).toMatch(/\/metadata\/1\/key/);
    expect(malformed).toMatch(/--meta takes key=value/);

    // Taint stops key 1 from signing; untaint lets it sign again.
    expect(await ok(['key', 'taint', '--wallet', 'cli-wallet', '--public-key', KEY1])).toMatch(/^Tainted:\s+yes$/m);
    const [taintedSign, taintedList, taintAgain] = await Promise.all([
      fails(signArgs('cli-wallet', KEY1)),
      ok(['key', 'list', '--wallet', 'cli-wallet']),
      fails(['key', 'taint', '--wallet', 'cli-wallet', '--public-key', KEY1]),
    ]);
    expect(taintedSign).toMatch(/tainted/);
    expect(taintedList).toContain(`  1  ${KEY1}  cli-wallet key 1  (tainted)`);
    expect(taintAgain).toMatch(/already tainted/);
    expect(await ok(['key', 'untaint', '--wallet', 'cli-wallet', '--public-key', KEY1])).toMatch(/^Tainted:\s+no$/m);
    const [untaintedSign, untaintAgain] = await Promise.all([
      ok(signArgs('cli-wallet', KEY1)),
      fails(['key', 'untaint', '--wallet', 'cli-wallet', '--public-key', KEY1]),
    ]);
    expect(untaintedSign).toBe(`${SIGNATURE}\n`);
    expect(untaintAgain).toMatch(/not tainted/);

    // Locked again: signing fails, and key generate without a terminal asks for a passphrase file instead of waiting.
    expect(await ok(['wallet', 'lock', '--wallet', 'cli-wallet'])).toContain('Locked wallet "cli-wallet"');
    const [lockedSign, lockedGenerate] = await Promise.all([fails(signArgs('cli-wallet', KEY1)), fails(['key', 'generate', '--wallet', 'cli-wallet'], 2)]);
    expect(lockedSign).toMatch(/the wallet is locked/);
    expect(lockedGenerate).toContain('--passphrase-file');

    // Rename: the old name is gone; the new one has the same keys (and, below, the same passphrase).
    expect(await ok(['wallet', 'rename', '--wallet', 'cli-wallet', '--new-name', 'cli-renamed'])).toContain('Renamed wallet "cli-wallet" to "cli-renamed"');
    const [walletList, oldName, newName] = await Promise.all([
      ok(['wallet', 'list']),
      fails(['key', 'list', '--wallet', 'cli-wallet']),
      ok(['key', 'list', '--wallet', 'cli-renamed']),
    ]);
    expect(walletList.trimEnd().split('\n')).toEqual(['cli-renamed']);
    expect(oldName).toMatch(/does not exist/);
    expect(newName.trimEnd().split('\n')).toEqual([`  1  ${KEY1}  cli-wallet key 1`, `  2  ${KEY2}  cli-wallet key 2`]);

    // New passphrase: the new file opens the wallet, the old one no longer does.
    const changed = await ok(['wallet', 'passphrase', '--wallet', 'cli-renamed', '--passphrase-file', passphraseFile, '--new-passphrase-file', newPassphraseFile]);
    expect(changed).toContain('The passphrase of wallet "cli-renamed" has changed.');
    const [withNew, withOld] = await Promise.all([
      run(['wallet', 'describe', '--wallet', 'cli-renamed', '--passphrase-file', newPassphraseFile, ...conn]),
      run(['wallet', 'describe', '--wallet', 'cli-renamed', '--passphrase-file', passphraseFile, ...conn]),
    ]);
    expect(withNew.code).toBe(0);
    expect(withNew.stdout).toMatch(/^Name:\s+cli-renamed$/m);
    expect(withNew.stdout).toMatch(/^Keys:\s+2$/m);
    expect(withOld.code).toBe(1);
    expect(withOld.stderr).toMatch(/passphrase is not correct/);
    // Neither passphrase is ever printed.
    for (const text of [changed, withNew.stdout, withNew.stderr, withOld.stdout, withOld.stderr]) {
      expect(text).not.toContain(PASSPHRASE);
      expect(text).not.toContain(NEW_PASSPHRASE);
    }
  });
});

describe('help for the key, message and wallet-state commands', () => {
  const helps = [
    ...['generate', 'list', 'describe', 'annotate', 'taint', 'untaint'].map((sub) => ['key', sub]),
    ...['unlock', 'lock', 'rename', 'passphrase'].map((sub) => ['wallet', sub]),
    ...['sign', 'verify'].map((sub) => ['message', sub]),
  ];

  it('prints "Usage:" for that command and exits 0, without needing a gateway or a token', async () => {
    const results = await Promise.all(helps.map((command) => run([...command, '--help'])));
    results.forEach((result, i) => {
      const command = helps[i] as string[];
      expect({ command, code: result.code, stderr: result.stderr }).toEqual({ command, code: 0, stderr: '' });
      expect(result.stdout).toContain('Usage:');
      expect(result.stdout).toContain(`wallet-gateway ${command.join(' ')}`);
    });
    // The group help lists them too.
    const [key, message] = await Promise.all([run(['key', '--help']), run(['message', '--help'])]);
    expect(key).toMatchObject({ code: 0 });
    for (const sub of ['generate', 'list', 'describe', 'annotate', 'taint', 'untaint']) expect(key.stdout).toContain(`key ${sub}`);
    expect(message).toMatchObject({ code: 0 });
    for (const sub of ['sign', 'verify']) expect(message.stdout).toContain(`message ${sub}`);
  });
});
