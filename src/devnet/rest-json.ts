/**
 * The JSON conventions of Vega's REST gateway (grpc-gateway + jsonpb, facts
 * §1.6 and §2.1), on both sides of the wire:
 *  - output: proto field order, every field printed (EmitDefaults), 64-bit
 *    integers as strings, two-space indentation;
 *  - errors: a gRPC status body {code, message, details} with the matching HTTP status;
 *  - input: camelCase or snake_case keys, unknown keys ignored, enums by name
 *    or number, 64-bit integers as strings or numbers, bytes as base64.
 */
import { WireWriter } from '../domain/vega/wire.js';

/** gRPC status codes used here. */
export const GRPC = { InvalidArgument: 3, NotFound: 5, ResourceExhausted: 8, Unimplemented: 12, Internal: 13, Unavailable: 14 } as const;

export const renderJson = (value: unknown): string => JSON.stringify(value, null, 2);

/** A request the gateway refuses before it reaches the node's logic. */
export class RestError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly grpcCode: number,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = 'RestError';
  }

  body(): string {
    return renderJson({ code: this.grpcCode, message: this.message, details: this.details });
  }
}

export const badRequest = (message: string, details: unknown[] = []): RestError => new RestError(400, GRPC.InvalidArgument, message, details);

/**
 * Vega's own API errors: message "<GrpcCode> error" and a vega.ErrorDetail
 * carrying Vega's numeric error code (e.g. 10006 "empty or missing party ID").
 */
export const vegaApiError = (httpStatus: number, grpcCode: number, grpcName: string, vegaCode: number, message: string): RestError =>
  new RestError(httpStatus, grpcCode, `${grpcName} error`, [{ '@type': 'type.googleapis.com/vega.ErrorDetail', code: vegaCode, message, inner: '' }]);

type JsonObject = Record<string, unknown>;

/** The request body as an object; anything else is a 400, never an exception. */
export function parseBody(text: string): JsonObject {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`invalid JSON in the request body: ${(error as Error).message}`);
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest('the request body must be a JSON object');
  return value as JsonObject;
}

/** A field by its lowerCamelCase or original snake_case name; null counts as absent, as in jsonpb. */
function pick(obj: JsonObject, camel: string, snake = camel): unknown {
  const value = Object.prototype.hasOwnProperty.call(obj, camel) ? obj[camel] : obj[snake];
  return value === null ? undefined : value;
}

function asObject(value: unknown, what: string): JsonObject | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${what} must be a JSON object`);
  return value as JsonObject;
}

function asString(value: unknown, what: string): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw badRequest(`${what} must be a string`);
  return value;
}

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_BASE64 = /^[A-Za-z0-9_-]*={0,2}$/;

/** bytes fields: standard or URL-safe base64, padding optional (what Go's jsonpb accepts). */
export function asBytes(value: unknown, what: string): Uint8Array {
  const text = asString(value, what);
  const padded = text.includes('=');
  const valid = (STD_BASE64.test(text) || URL_BASE64.test(text)) && (padded ? text.length % 4 === 0 : text.length % 4 !== 1);
  if (!valid) throw badRequest(`${what} is not valid base64`);
  return new Uint8Array(Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64'));
}

const MAX_U64 = (1n << 64n) - 1n;

function asUint(value: unknown, what: string, max: bigint): bigint {
  if (value === undefined) return 0n;
  let n: bigint;
  if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^\d+$/.test(value)) n = BigInt(value);
  else throw badRequest(`${what} must be an unsigned integer (a number or a decimal string)`);
  if (n > max) throw badRequest(`${what} is out of range`);
  return n;
}

/** An enum by value name or number. */
export function asEnum(value: unknown, what: string, names: Readonly<Record<string, number>>): number {
  if (value === undefined) return 0;
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(names, value)) return names[value] as number;
  if (typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) return value;
  throw badRequest(`${what}: unknown enum value ${JSON.stringify(value)}`);
}

export const BROADCAST_TYPES = { TYPE_UNSPECIFIED: 0, TYPE_ASYNC: 1, TYPE_SYNC: 2, TYPE_COMMIT: 3 } as const;
const TX_VERSIONS = { TX_VERSION_UNSPECIFIED: 0, TX_VERSION_V2: 2, TX_VERSION_V3: 3 };

export const txBytesField = (body: JsonObject): Uint8Array => asBytes(pick(body, 'tx'), 'tx');
export const broadcastType = (body: JsonObject): number => asEnum(pick(body, 'type'), 'type', BROADCAST_TYPES);
export const txObjectField = (body: JsonObject): JsonObject | undefined => asObject(pick(body, 'tx'), 'tx');

/**
 * The protobuf-JSON form of a Transaction (POST /transaction), turned into the
 * bytes Go's marshaller would produce: ascending field numbers, default
 * scalars left out, set sub-messages always written. The node hashes and
 * judges these bytes exactly as if they had arrived raw.
 */
export function transactionBytesFromJson(tx: JsonObject | undefined): Uint8Array {
  if (!tx) return new Uint8Array();
  const inputData = asBytes(pick(tx, 'inputData', 'input_data'), 'tx.inputData');
  const signature = asObject(pick(tx, 'signature'), 'tx.signature');
  const address = pick(tx, 'address');
  const pubKey = pick(tx, 'pubKey', 'pub_key');
  if (address !== undefined && pubKey !== undefined) throw badRequest('tx: both members of the oneof "from" (address, pubKey) are set');
  const version = asEnum(pick(tx, 'version'), 'tx.version', TX_VERSIONS);
  const pow = asObject(pick(tx, 'pow'), 'tx.pow');

  const w = new WireWriter();
  if (inputData.length > 0) w.bytesField(1, inputData);
  if (signature) {
    const s = new WireWriter();
    const value = asString(pick(signature, 'value'), 'tx.signature.value');
    const algo = asString(pick(signature, 'algo'), 'tx.signature.algo');
    const sigVersion = asUint(pick(signature, 'version'), 'tx.signature.version', 0xffffffffn);
    if (value) s.stringField(1, value);
    if (algo) s.stringField(2, algo);
    if (sigVersion) s.varintField(3, sigVersion);
    w.bytesField(2, s.finish());
  }
  // A oneof member is written even when empty: its presence is what is set.
  if (address !== undefined) w.stringField(1001, asString(address, 'tx.address'));
  if (pubKey !== undefined) w.stringField(1002, asString(pubKey, 'tx.pubKey'));
  if (version !== 0) w.varintField(2000, BigInt.asUintN(64, BigInt(version)));
  if (pow) {
    const p = new WireWriter();
    const tid = asString(pick(pow, 'tid'), 'tx.pow.tid');
    const nonce = asUint(pick(pow, 'nonce'), 'tx.pow.nonce', MAX_U64);
    if (tid) p.stringField(1, tid);
    if (nonce) p.varintField(2, nonce);
    w.bytesField(3000, p.finish());
  }
  return w.finish();
}
