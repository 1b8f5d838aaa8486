import { join, resolve } from 'node:path';
import { DEFAULT_HOST } from '../config.js';
import { DEFAULT_CHAIN_ID, DevNode } from '../devnet/index.js';
import { decodeCommand } from '../domain/vega/command-codec.js';
import { LOG_LEVELS, createLogger, type LogLevel } from '../logger.js';
import { UsageError, parseFlags, parsePort } from './args.js';

/** The REST port of a Vega core node, so tools that expect a local node find this one. */
export const DEFAULT_DEVNET_PORT = 3003;
export const DEVNET_CHAIN_FILE = 'devnet-chain.json';
export const DEFAULT_BLOCK_TIME_MS = 1000;
export const DEFAULT_POW_DIFFICULTY = 2;
const MAX_BLOCK_TIME_MS = 24 * 3600 * 1000;
/** CometBFT refuses longer chain ids. */
const MAX_CHAIN_ID_LENGTH = 50;

/** A whole number within bounds, or the fallback when the flag is absent. */
export function parseWholeNumber(value: string | undefined, flag: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}`);
  return n;
}

/** Printable, no spaces, at most 50 characters: what a CometBFT chain id can be, and what a shell passes without quoting trouble. */
export function parseChainId(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[\x21-\x7e]+$/.test(value) || value.length > MAX_CHAIN_ID_LENGTH) {
    throw new UsageError(`${flag} must be 1 to ${MAX_CHAIN_ID_LENGTH} printable ASCII characters without spaces`);
  }
  return value;
}

export const parseBlockTime = (value: string | undefined, flag: string) => parseWholeNumber(value, flag, 1, MAX_BLOCK_TIME_MS, DEFAULT_BLOCK_TIME_MS);
// 0 to 256 are the bounds of the spam.pow.difficulty network parameter.
export const parsePowDifficulty = (value: string | undefined, flag: string) => parseWholeNumber(value, flag, 0, 256, DEFAULT_POW_DIFFICULTY);

export const DEVNET_HELP = `Usage: wallet-gateway devnet [options]

Runs a local development node on its own: a stand-in for a Vega core node that
serves the REST API wallets use (GET /blockchain/height, /statistics,
/statistics/spam/{party}, /time, /health; POST /transaction/raw,
/transaction/raw/check, /transaction, /transaction/check). It makes a block
every --block-time-ms, checks each transaction (signature, chain id, proof of
work, spam rules) and records it; it runs no markets.

Two lookups exist only on this development node, not on real core nodes:
  GET /transactions/{hash}   the block, result, party and command of a sent transaction
  GET /blocks/{height}       a block and the hashes of its transactions

To have a gateway use it (instead of the node "serve" starts by itself):
  wallet-gateway serve --network devnet --nodes http://127.0.0.1:${DEFAULT_DEVNET_PORT}

Options:
  --host HOST           address to listen on (default ${DEFAULT_HOST})
  --port PORT           port to listen on (default ${DEFAULT_DEVNET_PORT}; 0 picks a free one)
  --chain-id ID         the chain id transactions are signed for (default
                        ${DEFAULT_CHAIN_ID}; with --data-dir, that of the saved chain)
  --block-time-ms MS    milliseconds between blocks (default ${DEFAULT_BLOCK_TIME_MS})
  --pow-difficulty N    proof-of-work difficulty in leading zero bits, 0 to 256
                        (default ${DEFAULT_POW_DIFFICULTY}; real networks use 15 or more)
  --tx-per-block N      transactions a key may send against one block before it is
                        refused as spam (default 2)
  --past-blocks N       how many blocks back a transaction may reference, 5 to 500
                        (default 100)
  --data-dir DIR        keep the chain in DIR/${DEVNET_CHAIN_FILE}, so that a restart
                        continues it (default: in memory only, a new chain each start)
  --log-level LEVEL     ${LOG_LEVELS.join(', ')} (default info); logs go to stderr
  -h, --help            show this help

The node stops on Ctrl+C (SIGINT) or SIGTERM and exits with 0.
`;

export async function devnetCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    host: { type: 'string' },
    port: { type: 'string' },
    'chain-id': { type: 'string' },
    'block-time-ms': { type: 'string' },
    'pow-difficulty': { type: 'string' },
    'tx-per-block': { type: 'string' },
    'past-blocks': { type: 'string' },
    'data-dir': { type: 'string' },
    'log-level': { type: 'string' },
  });
  if (flags.help) {
    process.stdout.write(DEVNET_HELP);
    return 0;
  }
  const logLevel = (flags['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  if (flags.host === '') throw new UsageError('--host must not be empty');
  const chainId = parseChainId(flags['chain-id'], '--chain-id');
  const dataFile = flags['data-dir'] === undefined ? undefined : join(resolve(flags['data-dir']), DEVNET_CHAIN_FILE);

  const node = await DevNode.start({
    host: flags.host ?? DEFAULT_HOST,
    port: parsePort(flags.port, '--port', DEFAULT_DEVNET_PORT),
    blockTimeMs: parseBlockTime(flags['block-time-ms'], '--block-time-ms'),
    powDifficulty: parsePowDifficulty(flags['pow-difficulty'], '--pow-difficulty'),
    txPerBlock: parseWholeNumber(flags['tx-per-block'], '--tx-per-block', 1, 1_000_000, 2),
    numberOfPastBlocks: parseWholeNumber(flags['past-blocks'], '--past-blocks', 5, 500, 100),
    ...(chainId === undefined ? {} : { chainId }),
    ...(dataFile === undefined ? {} : { dataFile }),
    // The gateway's own decoder: a command it could not decode is refused with code 60, as a core node does.
    decodeCommand: (field, bytes) => void decodeCommand(field, bytes),
    logger: createLogger(logLevel),
  });
  // As in serve: the handlers are in place before anyone can read the banner and signal.
  const stopped = new Promise<string>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  process.stdout.write(
    [
      'wallet-gateway devnet is running',
      `  url          ${node.url}`,
      `  chain id     ${node.chainId}`,
      `  height       ${node.height}`,
      `  data file    ${dataFile ?? '(none: the chain lives in memory)'}`,
      'Stop with Ctrl+C.',
      '',
    ].join('\n'),
  );
  process.stdout.write(`${await stopped}: shutting down\n`);
  await node.close();
  return 0;
}
