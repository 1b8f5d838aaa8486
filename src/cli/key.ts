import { parseFlags, required } from './args.js';
import { CONNECTION_FLAGS, connect, dispatchSubCommand, parseMetadata, print, readSecret, withOperatorErrors, type SubCommand } from './operator.js';

const KEY_FLAGS = { ...CONNECTION_FLAGS, wallet: { type: 'string' }, 'public-key': { type: 'string' } } as const;

interface KeyView {
  publicKey: string;
  name: string;
  index: number;
  tainted: boolean;
  metadata?: { key: string; value: string }[];
}

const describe = (key: KeyView) =>
  [
    `Public key:  ${key.publicKey}`,
    `Name:        ${key.name}`,
    `Index:       ${key.index}`,
    `Tainted:     ${key.tainted ? 'yes' : 'no'}`,
    ...(key.metadata ?? []).filter((m) => m.key !== 'name').map((m) => `Metadata:    ${m.key}=${m.value}`),
  ].join('\n');

const taintCommand = (tainted: boolean): SubCommand => ({
  usage: `Usage: wallet-gateway key ${tainted ? 'taint' : 'untaint'} --wallet NAME --public-key KEY

${tainted ? 'Stops the key from signing and hides it from applications.' : 'Lets a tainted key sign again.'}
`,
  async run(args) {
    const flags = parseFlags(args, KEY_FLAGS);
    const { url, client } = connect(flags);
    const params = { wallet: required(flags.wallet, '--wallet'), publicKey: required(flags['public-key'], '--public-key') };
    return withOperatorErrors(url, async () => {
      const key = tainted ? await client.admin.taintKey(params) : await client.admin.untaintKey(params);
      print(flags.json, key, () => describe(key));
      return 0;
    });
  },
});

const COMMANDS: Record<string, SubCommand> = {
  generate: {
    usage: `Usage: wallet-gateway key generate --wallet NAME [--meta KEY=VALUE ...] [--passphrase-file FILE]

Derives the wallet's next key. An unlocked wallet needs no passphrase; for a
locked one it is asked for (or read from --passphrase-file).
--meta name=... names the key; other items are kept as metadata.
`,
    async run(args) {
      const flags = parseFlags(args, { ...KEY_FLAGS, meta: { type: 'string', multiple: true }, 'passphrase-file': { type: 'string' } });
      const { url, client } = connect(flags);
      const wallet = required(flags.wallet, '--wallet');
      const metadata = parseMetadata(flags.meta as string[] | undefined);
      return withOperatorErrors(url, async () => {
        const attempt = (passphrase?: string) => client.admin.generateKey({ wallet, metadata, ...(passphrase === undefined ? {} : { passphrase }) });
        let key;
        if (flags['passphrase-file'] !== undefined) {
          key = await attempt(await readSecret(flags['passphrase-file'], 'passphrase'));
        } else {
          // Try without a passphrase first: an unlocked wallet does not need one.
          key = await attempt().catch(async (error: { data?: { reason?: string } }) => {
            if (error.data?.reason !== 'wallet_locked') throw error;
            return attempt(await readSecret(undefined, 'passphrase'));
          });
        }
        print(flags.json, key, () => describe(key));
        return 0;
      });
    },
  },
  list: {
    usage: `Usage: wallet-gateway key list --wallet NAME

Lists the wallet's keys in derivation order.
`,
    async run(args) {
      const flags = parseFlags(args, KEY_FLAGS);
      const { url, client } = connect(flags);
      const wallet = required(flags.wallet, '--wallet');
      return withOperatorErrors(url, async () => {
        const result = await client.admin.listKeys({ wallet });
        print(flags.json, result, () =>
          result.keys.map((k) => `${String(k.index).padStart(3)}  ${k.publicKey}  ${k.name}${k.tainted ? '  (tainted)' : ''}`).join('\n') || '(no keys)',
        );
        return 0;
      });
    },
  },
  describe: {
    usage: `Usage: wallet-gateway key describe --wallet NAME --public-key KEY

Shows a key's name, index, metadata and taint.
`,
    async run(args) {
      const flags = parseFlags(args, KEY_FLAGS);
      const { url, client } = connect(flags);
      const params = { wallet: required(flags.wallet, '--wallet'), publicKey: required(flags['public-key'], '--public-key') };
      return withOperatorErrors(url, async () => {
        const key = await client.admin.describeKey(params);
        print(flags.json, key, () => describe(key));
        return 0;
      });
    },
  },
  annotate: {
    usage: `Usage: wallet-gateway key annotate --wallet NAME --public-key KEY [--meta KEY=VALUE ...]

Replaces the key's metadata with the --meta items (none clears it). The key
keeps its name unless an item name=... renames it.
`,
    async run(args) {
      const flags = parseFlags(args, { ...KEY_FLAGS, meta: { type: 'string', multiple: true } });
      const { url, client } = connect(flags);
      const params = {
        wallet: required(flags.wallet, '--wallet'),
        publicKey: required(flags['public-key'], '--public-key'),
        metadata: parseMetadata(flags.meta as string[] | undefined),
      };
      return withOperatorErrors(url, async () => {
        const key = await client.admin.annotateKey(params);
        print(flags.json, key, () => describe(key));
        return 0;
      });
    },
  },
  taint: taintCommand(true),
  untaint: taintCommand(false),
};

export const keyCommand = (args: string[]) => dispatchSubCommand('key', "Manages a wallet's keys through a running gateway's operator door.", COMMANDS, args);
