import { protoCommands, protoEnums, protoMessages, type ProtoField } from '../../../generated/proto-layout.js';
import { WireFormatError, WireWriter, readFields, toInt64 } from './wire.js';

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

function scalar(field: ProtoField, value: unknown): bigint | string | null {
  switch (field.type) {
    case 'string':
      return value as string;
    case 'bool':
      return value ? 1n : 0n;
    case 'enum':
      return BigInt(enumNumber(field, value));
    default:
      return BigInt(value as string | number);
  }
}

const isDefault = (v: bigint | string | null) => v === '' || v === 0n;

function writeField(w: WireWriter, field: ProtoField, value: unknown): void {
  if (field.type === 'message') {
    w.bytesField(field.number, encodeMessage(field.ref as string, value as Json));
    return;
  }
  const v = scalar(field, value);
  if (v === null) return;
  if (!field.optional && isDefault(v)) return;
  if (typeof v === 'string') w.stringField(field.number, v);
  else w.varintField(field.number, v);
}

export function encodeMessage(name: string, value: Json): Uint8Array {
  const fields = protoMessages[name];
  if (!fields) throw new WireFormatError(`unknown message ${name}`);
  const w = new WireWriter();
  for (const field of fields) {
    const v = value[field.json];
    if (v === undefined || v === null) continue;
    if (field.repeated) {
      if (field.type !== 'message' && field.type !== 'string') throw new WireFormatError(`${name}.${field.json}: repeated ${field.type} is not supported`);
      for (const item of v as unknown[]) {
        if (field.type === 'message') w.bytesField(field.number, encodeMessage(field.ref as string, item as Json));
        else w.stringField(field.number, item as string);
      }
    } else {
      writeField(w, field, v);
    }
  }
  return w.finish();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readValue(field: ProtoField, raw: { varint?: bigint; bytes?: Uint8Array }): unknown {
  if (field.type === 'message' || field.type === 'string') {
    if (!raw.bytes) throw new WireFormatError(`${field.json} must be length-delimited`);
    return field.type === 'string' ? utf8.decode(raw.bytes) : decodeMessage(field.ref as string, raw.bytes);
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

export const supportedCommands = (): string[] => Object.keys(protoCommands);

/** The command of a dApp's JSON ({"voteSubmission": {...}}) as InputData's oneof field and bytes. */
export function encodeCommand(commandType: string, value: Json): { field: number; bytes: Uint8Array } {
  const command = protoCommands[commandType];
  if (!command) throw new WireFormatError(`unsupported command ${commandType}`);
  return { field: command.field, bytes: encodeMessage(command.message, value) };
}

/** InputData's command back to its JSON form, for reviews and checks. */
export function decodeCommand(field: number, bytes: Uint8Array): { commandType: string; value: Json } {
  const entry = Object.entries(protoCommands).find(([, c]) => c.field === field);
  if (!entry) throw new WireFormatError(`command field ${field} is not one this gateway knows`);
  return { commandType: entry[0], value: decodeMessage(entry[1].message, bytes) };
}
