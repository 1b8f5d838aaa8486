import { existsSync } from 'node:fs';
import { httpTransport, JsonRpcError, WalletGatewayClient } from '../../generated/client.js';
import { readAdminToken } from '../admin-token.js';
import { adminTokenPath, DEFAULT_ADMIN_PORT, DEFAULT_HOST, resolveDataDir } from '../config.js';
import { UsageError } from './args.js';
import { promptSecret, readSecretFile } from './prompt.js';

/** What every command that talks to the operator door shares. */
export const CONNECTION_HELP = `Connection options:
  --admin-url URL     the operator door (default http://${DEFAULT_HOST}:${DEFAULT_ADMIN_PORT})
  --token-file FILE   the operator token (default <data dir>/admin.token)
  --data-dir DIR      the gateway's data directory, to find the token
  --json              print the JSON result instead of text
  -h, --help          show this help
`;

export const CONNECTION_FLAGS = {
  'admin-url': { type: 'string' },
  'token-file': { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export interface ConnectionFlags {
  'admin-url'?: string;
  'token-file'?: string;
  'data-dir'?: string;
}

export function connect(flags: ConnectionFlags): { url: string; client: WalletGatewayClient } {
  const tokenFile = flags['token-file'] ?? adminTokenPath(resolveDataDir(flags['data-dir']));
  if (!existsSync(tokenFile)) {
    throw new UsageError(`no operator token at ${tokenFile}: start the gateway once (wallet-gateway serve) or give --token-file / --data-dir`);
  }
  const url = flags['admin-url'] ?? `http://${DEFAULT_HOST}:${DEFAULT_ADMIN_PORT}`;
  return { url, client: new WalletGatewayClient(httpTransport({ url, token: readAdminToken(tokenFile) })) };
}

/** A secret from its file flag, else from the terminal without echo; never from the command line. */
export async function readSecret(file: string | undefined, label: string, options: { confirm?: boolean; flag?: string } = {}): Promise<string> {
  if (file !== undefined) return readSecretFile(file);
  const flag = options.flag ?? `--${label.replace(/ /g, '-')}-file`;
  if (!process.stdin.isTTY) throw new UsageError(`no terminal to ask for the ${label} on: give it in a file with ${flag}`);
  const value = await promptSecret(`${label[0]?.toUpperCase()}${label.slice(1)}: `);
  if (options.confirm && (await promptSecret(`Confirm ${label}: `)) !== value) throw new UsageError(`the two ${label}s differ`);
  return value;
}

export const print = (json: boolean | undefined, value: unknown, text: () => string) =>
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);

/** Runs a command against the operator door and turns its failures into a message and an exit code. */
export async function withOperatorErrors(url: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
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
}

/** "key=value" flags into metadata items. */
export function parseMetadata(items: string[] | undefined): { key: string; value: string }[] {
  return (items ?? []).map((item) => {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`--meta takes key=value, not "${item}"`);
    return { key: item.slice(0, at), value: item.slice(at + 1) };
  });
}

/** A sub-command table with its help texts. */
export interface SubCommand {
  usage: string;
  run: (args: string[]) => Promise<number>;
}

export async function dispatchSubCommand(group: string, summary: string, table: Record<string, SubCommand>, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const help = `Usage: wallet-gateway ${group} <${Object.keys(table).join('|')}> [options]\n\n${summary}\n\n${Object.values(table)
    .map((c) => `  ${c.usage.split('\n')[0]?.replace('Usage: wallet-gateway ', '')}`)
    .join('\n')}\n\n${CONNECTION_HELP}`;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(help);
    return sub === undefined ? 2 : 0;
  }
  const command = table[sub];
  if (!command) throw new UsageError(`unknown ${group} command "${sub}"; see wallet-gateway ${group} --help`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n${CONNECTION_HELP}`);
    return 0;
  }
  return command.run(rest);
}
