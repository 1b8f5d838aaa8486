/**
 * Transactions built with node:crypto alone (an independent signer and proof-of-work
 * loop), to check a node's verification against something other than the gateway's own
 * signing code. Only the wire encoding is shared with src/.
 */
import { createHash, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { encodeInputData, encodeTransaction, transactionHash } from '../../src/domain/vega/transaction.js';
import { WireWriter } from '../../src/domain/vega/wire.js';

/** v2 key 1 of the facts-sheet test mnemonic (§5.1): the key that signs here. */
export const PUB_KEY = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';
const PRIVATE_KEY = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from('0bfdfb4a04e22d7252a4f24eb9d0f35a82efdc244cb0876d919361e61f6f56a2', 'hex')]),
  format: 'der',
  type: 'pkcs8',
});

export const sha3 = (data: Uint8Array | string) => createHash('sha3-256').update(data).digest();

/** How many zero bits the digest starts with. */
export function zeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) bits += 8;
    else return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Smallest nonce reaching `bits` zero bits, or exactly `bits` when asked (to control what a proof is worth). */
export function solve(blockHash: string, tid: string, bits: number, exact = false): bigint {
  for (let nonce = 0n; ; nonce++) {
    const n = Buffer.alloc(8);
    n.writeBigUInt64BE(nonce);
    const z = zeroBits(sha3(Buffer.concat([Buffer.from(`Vega_SPAM_PoW${blockHash}${tid}`), n])));
    if (exact ? z === bits : z >= bits) return nonce;
  }
}

export const randomHex = () => randomBytes(32).toString('hex');

/** A command: the InputData oneof member's field number and the command message's bytes. */
export interface Command {
  field: number;
  bytes: Uint8Array;
}

/** orderCancellation (field 1002) of every own order in one market: a command with no spam policy attached. */
export const cancelCommand = (): Command => ({ field: 1002, bytes: new WireWriter().stringField(2, randomHex()).finish() });

export interface Built {
  bytes: Uint8Array;
  /** The bytes, base64-encoded, as /transaction/raw takes them. */
  tx: string;
  hash: string;
}

export interface TransactionOptions {
  chainId: string;
  /** The block height the transaction refers to. */
  height: bigint;
  command: Command;
  /** The proof of work against the hash of the block at `height`; none when left out. */
  pow?: { blockHash: string; bits: number; exact?: boolean };
  /** The InputData nonce; random when left out. */
  nonce?: bigint;
  /** 3 signs chain id, a zero byte and the InputData; older versions the InputData alone. */
  version?: number;
  algo?: string;
}

/** A transaction signed by PUB_KEY, with its proof of work when one is asked for. */
export function signTransaction(opts: TransactionOptions): Built {
  const inputData = encodeInputData({ nonce: opts.nonce ?? BigInt(`0x${randomBytes(7).toString('hex')}`) + 1n, blockHeight: opts.height, commandField: opts.command.field, command: opts.command.bytes });
  const version = opts.version ?? 3;
  const message = version === 3 ? Buffer.concat([Buffer.from(opts.chainId), Buffer.from([0]), inputData]) : Buffer.from(inputData);
  const signature = sign(null, sha3(message), PRIVATE_KEY).toString('hex');
  const tid = randomHex();
  const bytes = encodeTransaction({
    inputData,
    signature: { value: signature, algo: opts.algo ?? 'vega/ed25519', version: 1 },
    pubKey: PUB_KEY,
    version,
    ...(opts.pow ? { pow: { tid, nonce: solve(opts.pow.blockHash, tid, opts.pow.bits, opts.pow.exact) } } : {}),
  });
  return { bytes, tx: Buffer.from(bytes).toString('base64'), hash: transactionHash(bytes) };
}
