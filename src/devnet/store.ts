/**
 * Persistence of a dev chain in one JSON file, so a restarted node continues
 * where it stopped (same height, same replay protection, same findable
 * transactions). uint64/int64 values are decimal strings, transaction bytes
 * base64 — the file stays readable and diffable.
 *
 * The mempool is not saved: like a real node's, it does not survive a restart.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Block, ChainSnapshot } from './chain.js';

const FORMAT = 'wallet-gateway-devnet/1';

interface ChainFile {
  format: typeof FORMAT;
  chainId: string;
  blockHashSeed: string;
  startHeight: string;
  genesisTime: string;
  height: string;
  time: string;
  previousTime: string;
  epochStartTime: string;
  blocks: Array<{ height: string; hash: string; time: string; txs: Array<{ hash: string; tx: string; code: number; data: string }> }>;
}

export class ChainFileError extends Error {
  constructor(path: string, problem: string) {
    super(`dev node data file ${path}: ${problem}`);
    this.name = 'ChainFileError';
  }
}

/** The saved chain, or undefined when the file does not exist yet. */
export function readChainFile(path: string): ChainSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let file: ChainFile;
  try {
    file = JSON.parse(text) as ChainFile;
  } catch (error) {
    throw new ChainFileError(path, `not valid JSON (${(error as Error).message})`);
  }
  if (!file || file.format !== FORMAT) throw new ChainFileError(path, `unknown format, expected "${FORMAT}"`);
  try {
    return {
      chainId: String(file.chainId),
      blockHashSeed: String(file.blockHashSeed),
      startHeight: BigInt(file.startHeight),
      genesisTime: BigInt(file.genesisTime),
      height: BigInt(file.height),
      time: BigInt(file.time),
      previousTime: BigInt(file.previousTime),
      epochStartTime: BigInt(file.epochStartTime),
      blocks: file.blocks.map(
        (b): Block => ({
          height: BigInt(b.height),
          hash: String(b.hash),
          time: BigInt(b.time),
          txs: b.txs.map((t) => ({ hash: String(t.hash), bytes: new Uint8Array(Buffer.from(t.tx, 'base64')), code: Number(t.code), data: String(t.data) })),
        }),
      ),
    };
  } catch (error) {
    throw new ChainFileError(path, `malformed content (${(error as Error).message})`);
  }
}

/** Writes the whole chain; a temporary file plus rename means a crash never leaves half a file. */
export function writeChainFile(path: string, snapshot: ChainSnapshot): void {
  const file: ChainFile = {
    format: FORMAT,
    chainId: snapshot.chainId,
    blockHashSeed: snapshot.blockHashSeed,
    startHeight: snapshot.startHeight.toString(),
    genesisTime: snapshot.genesisTime.toString(),
    height: snapshot.height.toString(),
    time: snapshot.time.toString(),
    previousTime: snapshot.previousTime.toString(),
    epochStartTime: snapshot.epochStartTime.toString(),
    blocks: snapshot.blocks.map((b) => ({
      height: b.height.toString(),
      hash: b.hash,
      time: b.time.toString(),
      txs: b.txs.map((t) => ({ hash: t.hash, tx: Buffer.from(t.bytes).toString('base64'), code: t.code, data: t.data })),
    })),
  };
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 1)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
