import { protoCommands, protoEnums, protoMessages, type ProtoField } from '../../../generated/proto-layout.js';
import { InvalidParamError } from '../errors.js';
import { STRICT_UTF8, WireFormatError, WireWriter, readFields, toInt64 } from './wire.js';

/**
 * Vega commands between their protobuf-JSON form (what applications send)
 * and protobuf bytes (what gets signed), driven by the layout generated from
 * openrpc.json. Encoding follows proto3: plain scalars equal to their default
 * are left out, fields with explicit presence and set sub-messages are
 * always written, fields go in field-number order.
 */

type Json = Record<string, unknown>;

const DEFAULTS_SKIPPED = new Set(['string', 'uint64', 'int64', 'uint32', 'int32', 'bool', 'enum']);

function enumNumber(field: ProtoField, value: unknown): number {
  if (typeof value === 'number') return value;
  const number = protoEnums[field.ref as string]?.[value as string];
  if (number === undefined) throw new WireFormatError(`${field.json}: ${String(value)} is not a value of ${field.ref}`);
  return number;
}

/**
 * A value the command's JSON Schema lets through but its protobuf field cannot
 * hold: the schema takes any JSON integer (and 20-digit strings) for 64-bit
 * fields, so 1e308 or 2^64 pass it. Refused as invalid params, not left to
 * fail deep in the varint writer as an internal error.
 */
export class CommandValueRangeError extends InvalidParamError {
  constructor(path: string, type: string, value: unknown) {
    super(path, 'range', `${String(value)} does not fit in a protobuf ${type}`);
  }
}

const INTEGER_RANGES: Partial<Record<ProtoField['type'], readonly [bigint, bigint]>> = {
  uint64: [0n, (1n << 64n) - 1n],
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  uint32: [0n, (1n << 32n) - 1n],
  int32: [-(1n << 31n), (1n << 31n) - 1n],
};

function integer(field: ProtoField, value: unknown, path: string): bigint {
  // JSON.parse has already rounded a number beyond 2^53: signing it would sign another amount than the one sent.
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new InvalidParamError(path, 'range', `${String(value)} is not exact as a JSON number; send 64-bit integers as decimal strings`);
  }
  let n: bigint;
  try {
    n = BigInt(value as string | number);
  } catch {
    // Fractions, NaN, strings that are not decimal integers.
    throw new CommandValueRangeError(path, field.type, value);
  }
  const range = INTEGER_RANGES[field.type];
  if (range && (n < range[0] || n > range[1])) throw new CommandValueRangeError(path, field.type, value);
  return n;
}

function scalar(field: ProtoField, value: unknown, path: string): bigint | string | null {
  switch (field.type) {
    case 'string':
      return value as string;
    case 'bool':
      return value ? 1n : 0n;
    case 'enum':
      return BigInt(enumNumber(field, value));
    default:
      return integer(field, value, path);
  }
}

const isDefault = (v: bigint | string | null) => v === '' || v === 0n;

function writeField(w: WireWriter, field: ProtoField, value: unknown, path: string): void {
  if (field.type === 'message') {
    w.bytesField(field.number, encodeMessage(field.ref as string, value as Json, path));
    return;
  }
  const v = scalar(field, value, path);
  if (v === null) return;
  if (!field.optional && isDefault(v)) return;
  if (typeof v === 'string') w.stringField(field.number, v);
  else w.varintField(field.number, v);
}

/** `path` is the JSON pointer of `value` in the request, for errors about it. */
export function encodeMessage(name: string, value: Json, path = ''): Uint8Array {
  const fields = protoMessages[name];
  if (!fields) throw new WireFormatError(`unknown message ${name}`);
  const w = new WireWriter();
  for (const field of fields) {
    const v = value[field.json];
    if (v === undefined || v === null) continue;
    const at = `${path}/${field.json}`;
    if (field.repeated) {
      if (field.type !== 'message' && field.type !== 'string') throw new WireFormatError(`${name}.${field.json}: repeated ${field.type} is not supported`);
      (v as unknown[]).forEach((item, i) => {
        if (field.type === 'message') w.bytesField(field.number, encodeMessage(field.ref as string, item as Json, `${at}/${i}`));
        else w.stringField(field.number, item as string);
      });
    } else {
      writeField(w, field, v, at);
    }
  }
  return w.finish();
}

function readValue(field: ProtoField, raw: { varint?: bigint; bytes?: Uint8Array }): unknown {
  if (field.type === 'message' || field.type === 'string') {
    if (!raw.bytes) throw new WireFormatError(`${field.json} must be length-delimited`);
    return field.type === 'string' ? STRICT_UTF8.decode(raw.bytes) : decodeMessage(field.ref as string, raw.bytes);
  }
  if (raw.varint === undefined) throw new WireFormatError(`${field.json} must be a varint`);
  const v = raw.varint;
  switch (field.type) {
    case 'uint64':
      return v.toString();
    case 'int64':
      return toInt64(v).toString();
    case 'uint32':
      return Number(v & 0xffffffffn);
    case 'int32':
      return Number(BigInt.asIntN(32, v));
    case 'bool':
      return v !== 0n;
    case 'enum': {
      const names = protoEnums[field.ref as string] ?? {};
      return Object.keys(names).find((n) => BigInt(names[n] as number) === v) ?? Number(v);
    }
  }
  return undefined;
}

/** Bytes to protobuf-JSON (64-bit integers as strings, enums by name); unknown fields are skipped, as Go does. */
export function decodeMessage(name: string, bytes: Uint8Array): Json {
  const fields = protoMessages[name];
  if (!fields) throw new WireFormatError(`unknown message ${name}`);
  const byNumber = new Map(fields.map((f) => [f.number, f]));
  const out: Json = {};
  for (const raw of readFields(bytes)) {
    const field = byNumber.get(raw.field);
    if (!field) continue;
    const value = readValue(field, raw);
    if (field.repeated) ((out[field.json] ??= []) as unknown[]).push(value);
    else out[field.json] = value;
  }
  return out;
}

/** Command names, and the commands by InputData field: built once, read on every transaction. */
const COMMAND_NAMES: ReadonlySet<string> = new Set(Object.keys(protoCommands));
const COMMANDS_BY_FIELD = new Map(Object.entries(protoCommands).map(([name, command]) => [command.field, { name, message: command.message }]));

export const supportedCommands = (): string[] => [...COMMAND_NAMES];
export const isSupportedCommand = (name: string): boolean => COMMAND_NAMES.has(name);

/**
 * The command of a dApp's JSON ({"voteSubmission": {...}}) as InputData's oneof field and bytes.
 * `path` is where that JSON sits in the request (the encodedTransaction param), for CommandValueRangeError.
 */
export function encodeCommand(commandType: string, value: Json, path = '/encodedTransaction'): { field: number; bytes: Uint8Array } {
  const command = protoCommands[commandType];
  if (!command) throw new WireFormatError(`unsupported command ${commandType}`);
  return { field: command.field, bytes: encodeMessage(command.message, value, `${path}/${commandType}`) };
}

/** InputData's command back to its JSON form, for reviews and checks. */
export function decodeCommand(field: number, bytes: Uint8Array): { commandType: string; value: Json } {
  const command = COMMANDS_BY_FIELD.get(field);
  if (!command) throw new WireFormatError(`command field ${field} is not one this gateway knows`);
  return { commandType: command.name, value: decodeMessage(command.message, bytes) };
}
