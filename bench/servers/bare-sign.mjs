/**
 * The floor for sign_transaction: a node:http server (and a ws server on the
 * same port) that does only the work every signature needs, with the
 * gateway's own wire-format code from dist/: parse the request, decode the
 * base64 JSON command, encode it and the InputData (protobuf), sign
 * SHA3-256(chainId ‖ 0x00 ‖ InputData) with node:crypto, encode the
 * Transaction, hash it and answer what the gateway answers. No token,
 * permissions, review, audit record, spam rules or node: one key of its own
 * signs for every public key asked (a signature costs the same whatever the
 * key), against a fixed block.
 *
 * argv[2]: JSON { chainId }.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serveBare } from '../lib/bare-server.mjs';
import { DIST } from '../lib/common.mjs';

const load = (path) => import(pathToFileURL(join(DIST, 'src', ...path.split('/'))).href);
const { signMessageWithKey, transactionSigningMessage } = await load('domain/crypto/ed25519.js');
const { encodeCommand } = await load('domain/vega/command-codec.js');
const { newTid } = await load('domain/vega/pow.js');
const { randomUint64 } = await load('domain/crypto/random-pool.js');
const { SIGNATURE_ALGORITHM, SIGNATURE_VERSION, TX_VERSION_V3, encodeInputData, encodeTransaction, transactionHash, transactionJson } = await load('domain/vega/transaction.js');

const { chainId } = JSON.parse(process.argv[2] ?? '{}');
if (!chainId) throw new Error('chainId is required');
const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), randomBytes(32)]), format: 'der', type: 'pkcs8' });
const BLOCK_HEIGHT = 1n;

function signOne({ publicKey, encodedTransaction }) {
  const json = JSON.parse(Buffer.from(encodedTransaction, 'base64').toString('utf8'));
  const [type] = Object.keys(json);
  const { field, bytes } = encodeCommand(type, json[type]);
  const inputData = encodeInputData({ nonce: randomUint64() | 1n, blockHeight: BLOCK_HEIGHT, commandField: field, command: bytes });
  const signature = signMessageWithKey(key, transactionSigningMessage(chainId, inputData));
  const tx = {
    inputData,
    signature: { value: Buffer.from(signature).toString('hex'), algo: SIGNATURE_ALGORITHM, version: SIGNATURE_VERSION },
    pubKey: publicKey,
    version: TX_VERSION_V3,
    pow: { tid: newTid(), nonce: 0n },
  };
  const encoded = encodeTransaction(tx);
  return { transaction: transactionJson(tx), encodedTransaction: Buffer.from(encoded).toString('base64'), txHash: transactionHash(encoded) };
}

function answer(text) {
  let request;
  try {
    request = JSON.parse(text);
    return JSON.stringify({ jsonrpc: '2.0', id: request.id ?? null, result: signOne(request.params) });
  } catch (error) {
    return JSON.stringify({ jsonrpc: '2.0', id: request?.id ?? null, error: { code: -32602, message: String(error?.message ?? error) } });
  }
}

serveBare(answer);
