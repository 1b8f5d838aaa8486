/**
 * The node's first gate (code 60): is this a well-formed, correctly signed
 * Vega transaction for this chain? Nothing here depends on chain state, so the
 * same function serves submit, check and the JSON endpoints.
 */
import { transactionSigningMessage, verifyMessage } from '../domain/crypto/ed25519.js';
import { decodeInputData, decodeTransaction, transactionHash, SIGNATURE_ALGORITHM, SIGNATURE_VERSION, type ProofOfWorkField } from '../domain/vega/transaction.js';
import { readFields } from '../domain/vega/wire.js';
import { malformed } from './codes.js';
import { COMMAND_NAMES, NODE_INTERNAL_COMMAND } from './commands.js';

export const TX_VERSION_V2 = 2;
export const TX_VERSION_V3 = 3;

const ADDRESS_FIELD = 1001;
const PUB_KEY = /^[0-9a-fA-F]{64}$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/** A transaction as the node keeps it: the raw bytes plus what the spam rules need. */
export interface NodeTransaction {
  bytes: Uint8Array;
  /** Upper-case hex SHA-256 of the bytes, as REST responses print it. */
  hash: string;
  /** The signer's public key, exactly as sent: Vega uses it verbatim as the party id. */
  party: string;
  version: number;
  nonce: bigint;
  /** InputData.block_height: the block whose hash the proof of work used. */
  blockHeight: bigint;
  commandField: number;
  /** The command message, undecoded. */
  command: Uint8Array;
  pow?: ProofOfWorkField;
}

export interface DecodeRules {
  chainId: string;
  /** Optional full command decoder; throwing turns the transaction into a code-60 rejection. */
  decodeCommand?: (field: number, bytes: Uint8Array) => void;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The node's view of a decoded transaction. */
function nodeTransaction(bytes: Uint8Array, tx: ReturnType<typeof decodeTransaction>, input: ReturnType<typeof decodeInputData>): NodeTransaction {
  return {
    bytes,
    hash: transactionHash(bytes),
    party: tx.pubKey,
    version: tx.version,
    nonce: input.nonce,
    blockHeight: input.blockHeight,
    commandField: input.commandField,
    command: input.command,
    ...(tx.pow ? { pow: tx.pow } : {}),
  };
}

/**
 * Parses without judging: used for transactions already accepted earlier
 * (replaying a data file), where re-running the checks could only disagree if
 * the rules changed in between.
 */
export function parseTransaction(bytes: Uint8Array): NodeTransaction {
  const tx = decodeTransaction(bytes);
  const input = decodeInputData(tx.inputData);
  return nodeTransaction(bytes, tx, input);
}

/** Decodes and validates; throws a TxRejection with code 60 at the first problem. */
export function decodeAndValidate(bytes: Uint8Array, rules: DecodeRules): NodeTransaction {
  let tx: ReturnType<typeof decodeTransaction>;
  let hasAddress: boolean;
  try {
    tx = decodeTransaction(bytes);
    // decodeTransaction skips the `address` member of the `from` oneof; a node must refuse it, so look for it here.
    hasAddress = readFields(bytes).some((f) => f.field === ADDRESS_FIELD);
  } catch (error) {
    throw malformed(`tx: could not decode the transaction: ${describe(error)}`);
  }

  if (tx.inputData.length === 0) throw malformed('tx.input_data (is required)');
  if (hasAddress) throw malformed('tx.from.address (is not supported, use pub_key)');
  if (tx.pubKey === '') throw malformed('tx.from (is required)');
  if (!PUB_KEY.test(tx.pubKey)) throw malformed('tx.from.pub_key (should be a valid Vega public key: 64 hexadecimal characters)');
  if (tx.version !== TX_VERSION_V2 && tx.version !== TX_VERSION_V3) throw malformed(`tx.version (${tx.version} is not supported, use 2 or 3)`);

  const { value, algo, version } = tx.signature;
  if (value === '') throw malformed('tx.signature.value (is required)');
  if (!HEX.test(value)) throw malformed('tx.signature.value (should be a hexadecimal string)');
  if (algo !== SIGNATURE_ALGORITHM) throw malformed(`tx.signature.algo (${JSON.stringify(algo)} is not supported, use "${SIGNATURE_ALGORITHM}")`);
  if (version !== SIGNATURE_VERSION) throw malformed(`tx.signature.version (${version} is not supported, use ${SIGNATURE_VERSION})`);

  // V3 binds the signature to the chain: chainId ‖ 0x00 ‖ input data. V2 signs the input data alone.
  const message = tx.version === TX_VERSION_V3 ? transactionSigningMessage(rules.chainId, tx.inputData) : tx.inputData;
  if (!verifyMessage(Buffer.from(tx.pubKey, 'hex'), message, Buffer.from(value, 'hex'))) {
    throw malformed(
      tx.version === TX_VERSION_V3
        ? `tx.signature (is invalid: it does not verify over chain id "${rules.chainId}" and the input data)`
        : 'tx.signature (is invalid: it does not verify over the input data)',
    );
  }

  let input: ReturnType<typeof decodeInputData>;
  try {
    input = decodeInputData(tx.inputData);
  } catch (error) {
    throw malformed(`tx.input_data (could not be decoded: ${describe(error)})`);
  }
  if (input.nonce === 0n) throw malformed('input_data.nonce (is required)');
  if (input.commandField === NODE_INTERNAL_COMMAND) throw malformed('input_data.command (delayed_transactions_wrapper is node-internal and cannot be submitted)');
  if (!COMMAND_NAMES.has(input.commandField)) throw malformed(`input_data.command (field ${input.commandField} is not a known command)`);
  if (rules.decodeCommand) {
    try {
      rules.decodeCommand(input.commandField, input.command);
    } catch (error) {
      throw malformed(describe(error));
    }
  }

  return nodeTransaction(bytes, tx, input);
}
