import { readFileSync } from 'node:fs';
import { UsageError, parseFlags, required } from './args.js';
import { CONNECTION_FLAGS, connect, dispatchSubCommand, print, withOperatorErrors, type SubCommand } from './operator.js';

const MESSAGE_FLAGS = {
  ...CONNECTION_FLAGS,
  'public-key': { type: 'string' },
  message: { type: 'string' },
  'message-file': { type: 'string' },
  'message-base64': { type: 'string' },
} as const;

const MESSAGE_HELP = `The message is one of: --message TEXT (UTF-8), --message-file FILE (its bytes),
--message-base64 B64.`;

/** The message as base64, from exactly one of the three flags. */
function encodedMessage(flags: { message?: string; 'message-file'?: string; 'message-base64'?: string }): string {
  const given = [flags.message, flags['message-file'], flags['message-base64']].filter((v) => v !== undefined);
  if (given.length !== 1) throw new UsageError('give the message with exactly one of --message, --message-file or --message-base64');
  if (flags.message !== undefined) return Buffer.from(flags.message, 'utf8').toString('base64');
  if (flags['message-file'] !== undefined) return readFileSync(flags['message-file']).toString('base64');
  return flags['message-base64'] as string;
}

const COMMANDS: Record<string, SubCommand> = {
  sign: {
    usage: `Usage: wallet-gateway message sign --wallet NAME --public-key KEY (--message TEXT | --message-file FILE | --message-base64 B64)

Signs the message with the key (ed25519 over its SHA3-256 digest, as Vega
wallets do) and prints the signature in base64. The wallet must be unlocked
(wallet-gateway wallet unlock). ${MESSAGE_HELP}
`,
    async run(args) {
      const flags = parseFlags(args, { ...MESSAGE_FLAGS, wallet: { type: 'string' } });
      const { url, client } = connect(flags);
      const params = { wallet: required(flags.wallet, '--wallet'), publicKey: required(flags['public-key'], '--public-key'), encodedMessage: encodedMessage(flags) };
      return withOperatorErrors(url, async () => {
        const result = await client.admin.signMessage(params);
        print(flags.json, result, () => result.encodedSignature);
        return 0;
      });
    },
  },
  verify: {
    usage: `Usage: wallet-gateway message verify --public-key KEY --signature B64 (--message TEXT | --message-file FILE | --message-base64 B64)

Checks a signature made by message sign (or any Vega wallet). Prints "valid"
and exits 0, or prints "invalid" and exits 1. ${MESSAGE_HELP}
`,
    async run(args) {
      const flags = parseFlags(args, { ...MESSAGE_FLAGS, signature: { type: 'string' } });
      const { url, client } = connect(flags);
      const params = {
        publicKey: required(flags['public-key'], '--public-key'),
        encodedMessage: encodedMessage(flags),
        encodedSignature: required(flags.signature, '--signature'),
      };
      return withOperatorErrors(url, async () => {
        const result = await client.admin.verifyMessage(params);
        print(flags.json, result, () => (result.isValid ? 'valid' : 'invalid'));
        return result.isValid ? 0 : 1;
      });
    },
  },
};

export const messageCommand = (args: string[]) => dispatchSubCommand('message', 'Signs and verifies messages with Vega key rules.', COMMANDS, args);
