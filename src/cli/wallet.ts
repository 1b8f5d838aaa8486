import { existsSync } from 'node:fs';
import { httpTransport, JsonRpcError, WalletGatewayClient } from '../../generated/client.js';
import { adminTokenPath, DEFAULT_ADMIN_PORT, DEFAULT_HOST, resolveDataDir } from '../config.js';
import { readAdminToken } from '../admin-token.js';
import { UsageError, parseFlags, required } from './args.js';
import { promptSecret, readSecretFile } from './prompt.js';

const CONNECTION_HELP = `Connection options (all wallet commands):
  --admin-url URL     the operator door (default http://${DEFAULT_HOST}:${DEFAULT_ADMIN_PORT})
  --token-file FILE   the operator token (default <data dir>/admin.token)
  --data-dir DIR      the gateway's data directory, to find the token
  --json              print the JSON result instead of text
  -h, --help          show this help
`;

const HELP: Record<string, string> = {
  create: `Usage: wallet-gateway wallet create --wallet NAME [--passphrase-file FILE]

Creates an HD wallet with its first key and prints its recovery phrase once.
The passphrase is asked for without echo, or read from --passphrase-file.
`,
  import: `Usage: wallet-gateway wallet import --wallet NAME [--version 1|2] [--recovery-phrase-file FILE] [--passphrase-file FILE]

Restores a wallet from its recovery phrase (asked for without echo, or read
from --recovery-phrase-file). --version is the key derivation version (default 2).
`,
  list: `Usage: wallet-gateway wallet list

Lists the wallets in alphabetical order.
`,
  describe: `Usage: wallet-gateway wallet describe --wallet NAME [--passphrase-file FILE]

Shows the wallet's ID, type and key derivation version (checks the passphrase).
`,
  remove: `Usage: wallet-gateway wallet remove --wallet NAME [--yes]

Removes the wallet and everything attached to it. Without --yes it asks first.
`,
};

export const WALLET_HELP = `Usage: wallet-gateway wallet <create|import|list|describe|remove> [options]

Manages wallets through a running gateway's operator door.

${Object.values(HELP)
  .map((h) => `  ${h.split('\n')[0]?.replace('Usage: wallet-gateway ', '')}`)
  .join('\n')}

${CONNECTION_HELP}`;

const CONNECTION_FLAGS = {
  'admin-url': { type: 'string' },
  'token-file': { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
} as const;

async function secret(file: string | undefined, label: string, confirm: boolean): Promise<string> {
  if (file !== undefined) return readSecretFile(file);
  if (!process.stdin.isTTY) throw new UsageError(`no terminal to ask for the ${label} on: give it in a file with --${label.replace(/ /g, '-')}-file`);
  const value = await promptSecret(`${label[0]?.toUpperCase()}${label.slice(1)}: `);
  if (confirm && (await promptSecret(`Confirm ${label}: `)) !== value) throw new UsageError(`the two ${label}s differ`);
  return value;
}

function connect(flags: { 'admin-url'?: string; 'token-file'?: string; 'data-dir'?: string }) {
  const tokenFile = flags['token-file'] ?? adminTokenPath(resolveDataDir(flags['data-dir']));
  if (!existsSync(tokenFile)) {
    throw new UsageError(`no operator token at ${tokenFile}: start the gateway once (wallet-gateway serve) or give --token-file / --data-dir`);
  }
  const url = flags['admin-url'] ?? `http://${DEFAULT_HOST}:${DEFAULT_ADMIN_PORT}`;
  return { url, client: new WalletGatewayClient(httpTransport({ url, token: readAdminToken(tokenFile) })) };
}

const print = (json: boolean | undefined, value: unknown, text: () => string) =>
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);

async function confirmRemoval(wallet: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UsageError('removing a wallet needs --yes when there is no terminal to ask on');
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Remove wallet "${wallet}" and all its keys? Only its recovery phrase can bring it back. [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function wallet(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(WALLET_HELP);
    return sub === undefined ? 2 : 0;
  }
  const help = HELP[sub];
  if (!help) throw new UsageError(`unknown wallet command "${sub}"; see wallet-gateway wallet --help`);
  const flags = parseFlags(rest, {
    ...CONNECTION_FLAGS,
    wallet: { type: 'string' },
    'passphrase-file': { type: 'string' },
    'recovery-phrase-file': { type: 'string' },
    version: { type: 'string' },
    yes: { type: 'boolean' },
  });
  if (flags.help) {
    process.stdout.write(`${help}\n${CONNECTION_HELP}`);
    return 0;
  }
  const { url, client } = connect(flags);
  try {
    switch (sub) {
      case 'create': {
        const name = required(flags.wallet, '--wallet');
        const passphrase = await secret(flags['passphrase-file'], 'passphrase', true);
        const result = await client.admin.createWallet({ wallet: name, passphrase });
        print(flags.json, result, () =>
          [
            `Created wallet "${result.wallet.name}" (key derivation version ${result.wallet.version}).`,
            `First key: ${result.key.publicKey}`,
            '',
            'Recovery phrase (write it down now; it is not shown again):',
            `  ${result.wallet.recoveryPhrase}`,
          ].join('\n'),
        );
        return 0;
      }
      case 'import': {
        const name = required(flags.wallet, '--wallet');
        const version = flags.version ?? '2';
        if (version !== '1' && version !== '2') throw new UsageError('--version must be 1 or 2');
        const recoveryPhrase = await secret(flags['recovery-phrase-file'], 'recovery phrase', false);
        const passphrase = await secret(flags['passphrase-file'], 'passphrase', true);
        const result = await client.admin.importWallet({ wallet: name, passphrase, recoveryPhrase, version: Number(version) as 1 | 2 });
        print(flags.json, result, () => `Imported wallet "${result.wallet.name}" (key derivation version ${result.wallet.version}).\nFirst key: ${result.key.publicKey}`);
        return 0;
      }
      case 'list': {
        const result = await client.admin.listWallets();
        print(flags.json, result, () => (result.wallets.length ? result.wallets.join('\n') : '(no wallets)'));
        return 0;
      }
      case 'describe': {
        const name = required(flags.wallet, '--wallet');
        const passphrase = await secret(flags['passphrase-file'], 'passphrase', false);
        const result = await client.admin.describeWallet({ wallet: name, passphrase });
        print(flags.json, result, () => [`Name:     ${result.name}`, `ID:       ${result.ID}`, `Type:     ${result.type}`, `Version:  ${result.version}`].join('\n'));
        return 0;
      }
      case 'remove': {
        const name = required(flags.wallet, '--wallet');
        if (!flags.yes && !(await confirmRemoval(name))) {
          process.stderr.write('Nothing removed.\n');
          return 1;
        }
        const result = await client.admin.removeWallet({ wallet: name });
        print(flags.json, result, () => `Removed wallet "${name}".`);
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof JsonRpcError) {
      const data = error.data as { message?: string; path?: string } | undefined;
      const where = data?.path ? `${data.path}: ` : '';
      process.stderr.write(`error: ${where}${data?.message ?? error.message} (${error.message}, code ${error.code})\n`);
      return 1;
    }
    if (error instanceof TypeError && /fetch failed/.test(error.message)) {
      process.stderr.write(`error: cannot reach the operator door at ${url}; is "wallet-gateway serve" running?\n`);
      return 1;
    }
    throw error;
  }
  return 2;
}
