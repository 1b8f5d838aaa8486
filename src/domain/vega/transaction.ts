import { hash } from 'node:crypto';
import { STRICT_UTF8, WireFormatError, WireWriter, readFields, type WireField } from './wire.js';

/** Field numbers of the envelope messages (vega.commands.v1). */
const TX = { inputData: 1, signature: 2, address: 1001, pubKey: 1002, version: 2000, pow: 3000 } as const;
const SIG = { value: 1, algo: 2, version: 3 } as const;
const POW = { tid: 1, nonce: 2 } as const;
const INPUT = { nonce: 1, blockHeight: 2 } as const;

export const TX_VERSION_V3 = 3;
export const SIGNATURE_ALGORITHM = 'vega/ed25519';
export const SIGNATURE_VERSION = 1;

export interface ProofOfWorkField {
  tid: string;
  nonce: bigint;
}

export interface SignedTransaction {
  /** The marshalled InputData, without any chain id prefix. */
  inputData: Uint8Array;
  signature: { value: string; algo: string; version: number };
  pubKey: string;
  version: number;
  pow?: ProofOfWorkField;
}

export interface InputData {
  nonce: bigint;
  blockHeight: bigint;
  /** The oneof member's field number (1001 orderSubmission, 1006 voteSubmission, ...). */
  commandField: number;
  /** The command message's bytes. */
  command: Uint8Array;
}

/** Fields in ascending field-number order, as Vega's Go code writes them. */
export function encodeTransaction(tx: SignedTransaction): Uint8Array {
  const signature = new WireWriter()
    .stringField(SIG.value, tx.signature.value)
    .stringField(SIG.algo, tx.signature.algo)
    .varintField(SIG.version, tx.signature.version)
    .finish();
  // The input data, the signature (~150 bytes), the key (64), the proof of work (~90) and the keys and lengths.
  const w = new WireWriter(tx.inputData.length + signature.length + 256).bytesField(TX.inputData, tx.inputData).bytesField(TX.signature, signature).stringField(TX.pubKey, tx.pubKey).varintField(TX.version, tx.version);
  if (tx.pow) w.bytesField(TX.pow, new WireWriter().stringField(POW.tid, tx.pow.tid).varintField(POW.nonce, tx.pow.nonce).finish());
  return w.finish();
}

const text = (f: WireField, what: string): string => {
  if (!f.bytes) throw new WireFormatError(`${what} must be length-delimited`);
  return STRICT_UTF8.decode(f.bytes);
};
const number = (f: WireField, what: string): bigint => {
  if (f.varint === undefined) throw new WireFormatError(`${what} must be a varint`);
  return f.varint;
};

/** Decodes a Transaction; missing fields come back empty, as protobuf defaults, for the caller to judge. */
export function decodeTransaction(bytes: Uint8Array): SignedTransaction {
  const tx: SignedTransaction = { inputData: new Uint8Array(), signature: { value: '', algo: '', version: 0 }, pubKey: '', version: 0 };
  for (const f of readFields(bytes)) {
    if (f.field === TX.inputData) {
      if (!f.bytes) throw new WireFormatError('input_data must be length-delimited');
      tx.inputData = f.bytes;
    } else if (f.field === TX.signature) {
      if (!f.bytes) throw new WireFormatError('signature must be a message');
      for (const s of readFields(f.bytes)) {
        if (s.field === SIG.value) tx.signature.value = text(s, 'signature.value');
        else if (s.field === SIG.algo) tx.signature.algo = text(s, 'signature.algo');
        else if (s.field === SIG.version) tx.signature.version = Number(number(s, 'signature.version'));
      }
    } else if (f.field === TX.pubKey) {
      tx.pubKey = text(f, 'pub_key');
    } else if (f.field === TX.version) {
      tx.version = Number(number(f, 'version'));
    } else if (f.field === TX.pow) {
      if (!f.bytes) throw new WireFormatError('pow must be a message');
      const pow: ProofOfWorkField = { tid: '', nonce: 0n };
      for (const p of readFields(f.bytes)) {
        if (p.field === POW.tid) pow.tid = text(p, 'pow.tid');
        else if (p.field === POW.nonce) pow.nonce = number(p, 'pow.nonce');
      }
      tx.pow = pow;
    }
  }
  return tx;
}

export function encodeInputData(input: InputData): Uint8Array {
  return new WireWriter().varintField(INPUT.nonce, input.nonce).varintField(INPUT.blockHeight, input.blockHeight).bytesField(input.commandField, input.command).finish();
}

/** Decodes InputData. Throws WireFormatError when there is not exactly one command. */
export function decodeInputData(bytes: Uint8Array): InputData {
  let nonce = 0n;
  let blockHeight = 0n;
  const commands: WireField[] = [];
  for (const f of readFields(bytes)) {
    if (f.field === INPUT.nonce) nonce = number(f, 'nonce');
    else if (f.field === INPUT.blockHeight) blockHeight = number(f, 'block_height');
    else if (f.field >= 1001 && f.field <= 4000) commands.push(f);
  }
  const [command, ...more] = commands;
  if (!command || more.length > 0) throw new WireFormatError(command ? 'more than one command' : 'no command');
  if (!command.bytes) throw new WireFormatError('the command must be a message');
  return { nonce, blockHeight, commandField: command.field, command: command.bytes };
}

/** What nodes report as the transaction hash: SHA-256 of the exact bytes, upper-case hex. */
export const transactionHash = (bytes: Uint8Array): string => hash('sha256', bytes, 'hex').toUpperCase();

/** The protobuf-JSON form of a Transaction, as nodes accept on POST /transaction and wallets hand back. */
export function transactionJson(tx: SignedTransaction): Record<string, unknown> {
  return {
    inputData: Buffer.from(tx.inputData).toString('base64'),
    signature: { ...tx.signature },
    pubKey: tx.pubKey,
    version: tx.version === TX_VERSION_V3 ? 'TX_VERSION_V3' : tx.version === 2 ? 'TX_VERSION_V2' : 'TX_VERSION_UNSPECIFIED',
    ...(tx.pow ? { pow: { tid: tx.pow.tid, nonce: tx.pow.nonce.toString() } } : {}),
  };
}
