import { createInterface } from 'node:readline/promises';
import { UsageError, parseFlags, parseSeconds, required } from './args.js';
import { CONNECTION_FLAGS, connect, dispatchSubCommand, print, readSecret, withOperatorErrors, type ConnectionFlags, type SubCommand } from './operator.js';

const WALLET_FLAGS = { ...CONNECTION_FLAGS, wallet: { type: 'string' }, 'passphrase-file': { type: 'string' } } as const;

async function confirmRemoval(wallet: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UsageError('removing a wallet needs --yes when there is no terminal to ask on');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Remove wallet "${wallet}" and all its keys? Only its recovery phrase can bring it back. [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

type Flags = Record<string, string | boolean | undefined>;

/** A command that takes --wallet and connection flags, plus its own. */
function walletCommand(
  usage: string,
  extra: Record<string, { type: 'string' | 'boolean' }>,
  body: (ctx: { flags: Flags; wallet: string; client: ReturnType<typeof connect>['client'] }) => Promise<number>,
  needsWallet = true,
): SubCommand {
  return {
    usage,
    async run(args) {
      const flags = parseFlags(args, { ...WALLET_FLAGS, ...extra }) as Flags;
      const { url, client } = connect(flags as ConnectionFlags);
      const wallet = needsWallet ? required(flags.wallet as string | undefined, '--wallet') : '';
      return withOperatorErrors(url, () => body({ flags, wallet, client }));
    },
  };
}

const COMMANDS: Record<string, SubCommand> = {
  create: walletCommand(
    `Usage: wallet-gateway wallet create --wallet NAME [--passphrase-file FILE]

Creates an HD wallet with its first key and prints its recovery phrase once.
The passphrase is asked for without echo, or read from --passphrase-file.
`,
    {},
    async ({ flags, wallet, client }) => {
      const passphrase = await readSecret(flags['passphrase-file'] as string | undefined, 'passphrase', { confirm: true });
      const result = await client.admin.createWallet({ wallet, passphrase });
      print(flags.json as boolean | undefined, result, () =>
        [
          `Created wallet "${result.wallet.name}" (key derivation version ${result.wallet.version}).`,
          `First key: ${result.key.publicKey}`,
          '',
          'Recovery phrase (write it down now; it is not shown again):',
          `  ${result.wallet.recoveryPhrase}`,
        ].join('\n'),
      );
      return 0;
    },
  ),
  import: walletCommand(
    `Usage: wallet-gateway wallet import --wallet NAME [--version 1|2] [--recovery-phrase-file FILE] [--passphrase-file FILE]

Restores a wallet from its recovery phrase (asked for without echo, or read
from --recovery-phrase-file). --version is the key derivation version (default 2).
`,
    { 'recovery-phrase-file': { type: 'string' }, version: { type: 'string' } },
    async ({ flags, wallet, client }) => {
      const version = (flags.version as string | undefined) ?? '2';
      if (version !== '1' && version !== '2') throw new UsageError('--version must be 1 or 2');
      const recoveryPhrase = await readSecret(flags['recovery-phrase-file'] as string | undefined, 'recovery phrase');
      const passphrase = await readSecret(flags['passphrase-file'] as string | undefined, 'passphrase', { confirm: true });
      const result = await client.admin.importWallet({ wallet, passphrase, recoveryPhrase, version: Number(version) as 1 | 2 });
      print(flags.json as boolean | undefined, result, () => `Imported wallet "${result.wallet.name}" (key derivation version ${result.wallet.version}).\nFirst key: ${result.key.publicKey}`);
      return 0;
    },
  ),
  list: walletCommand(
    `Usage: wallet-gateway wallet list

Lists the wallets in alphabetical order.
`,
    {},
    async ({ flags, client }) => {
      const result = await client.admin.listWallets();
      print(flags.json as boolean | undefined, result, () => (result.wallets.length ? result.wallets.join('\n') : '(no wallets)'));
      return 0;
    },
    false,
  ),
  describe: walletCommand(
    `Usage: wallet-gateway wallet describe --wallet NAME [--passphrase-file FILE]

Shows the wallet's ID, type, key derivation version and key count (checks the passphrase).
`,
    {},
    async ({ flags, wallet, client }) => {
      const passphrase = await readSecret(flags['passphrase-file'] as string | undefined, 'passphrase');
      const result = await client.admin.describeWallet({ wallet, passphrase });
      print(flags.json as boolean | undefined, result, () =>
        [`Name:     ${result.name}`, `ID:       ${result.ID}`, `Type:     ${result.type}`, `Version:  ${result.version}`, `Keys:     ${result.keyCount}`].join('\n'),
      );
      return 0;
    },
  ),
  remove: walletCommand(
    `Usage: wallet-gateway wallet remove --wallet NAME [--yes]

Removes the wallet and everything attached to it. Without --yes it asks first.
`,
    { yes: { type: 'boolean' } },
    async ({ flags, wallet, client }) => {
      if (!flags.yes && !(await confirmRemoval(wallet))) {
        process.stderr.write('Nothing removed.\n');
        return 1;
      }
      const result = await client.admin.removeWallet({ wallet });
      print(flags.json as boolean | undefined, result, () => `Removed wallet "${wallet}".`);
      return 0;
    },
  ),
  unlock: walletCommand(
    `Usage: wallet-gateway wallet unlock --wallet NAME [--idle-timeout SECONDS] [--passphrase-file FILE]

Decrypts the wallet's keys into the gateway's memory so they can sign. The
wallet locks itself after SECONDS without use (default: the gateway's --unlock-timeout).
`,
    { 'idle-timeout': { type: 'string' } },
    async ({ flags, wallet, client }) => {
      const raw = flags['idle-timeout'] as string | undefined;
      const idleTimeout = raw === undefined ? undefined : parseSeconds(raw, '--idle-timeout', 0);
      const passphrase = await readSecret(flags['passphrase-file'] as string | undefined, 'passphrase');
      const result = await client.admin.unlockWallet({ wallet, passphrase, ...(idleTimeout === undefined ? {} : { idleTimeout }) });
      print(flags.json as boolean | undefined, result, () => `Unlocked wallet "${wallet}"; it locks after ${result.idleTimeout} s without use.`);
      return 0;
    },
  ),
  lock: walletCommand(
    `Usage: wallet-gateway wallet lock --wallet NAME

Wipes the wallet's decrypted keys from the gateway's memory.
`,
    {},
    async ({ flags, wallet, client }) => {
      const result = await client.admin.lockWallet({ wallet });
      print(flags.json as boolean | undefined, result, () => `Locked wallet "${wallet}".`);
      return 0;
    },
  ),
  rename: walletCommand(
    `Usage: wallet-gateway wallet rename --wallet NAME --new-name NEW

Gives the wallet a new name; its keys keep theirs.
`,
    { 'new-name': { type: 'string' } },
    async ({ flags, wallet, client }) => {
      const newName = required(flags['new-name'] as string | undefined, '--new-name');
      const result = await client.admin.renameWallet({ wallet, newName });
      print(flags.json as boolean | undefined, result, () => `Renamed wallet "${wallet}" to "${newName}".`);
      return 0;
    },
  ),
  passphrase: walletCommand(
    `Usage: wallet-gateway wallet passphrase --wallet NAME [--passphrase-file FILE] [--new-passphrase-file FILE]

Re-encrypts the wallet under a new passphrase. Both are asked for without
echo unless given in files.
`,
    { 'new-passphrase-file': { type: 'string' } },
    async ({ flags, wallet, client }) => {
      const passphrase = await readSecret(flags['passphrase-file'] as string | undefined, 'passphrase');
      const newPassphrase = await readSecret(flags['new-passphrase-file'] as string | undefined, 'new passphrase', { confirm: true });
      const result = await client.admin.updatePassphrase({ wallet, passphrase, newPassphrase });
      print(flags.json as boolean | undefined, result, () => `The passphrase of wallet "${wallet}" has changed.`);
      return 0;
    },
  ),
};

export const walletCommandGroup = (args: string[]) => dispatchSubCommand('wallet', "Manages wallets through a running gateway's operator door.", COMMANDS, args);
