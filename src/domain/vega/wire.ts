/**
 * The protobuf wire format, as far as Vega's messages need it: varints
 * (wire type 0) and length-delimited fields (wire type 2). No fixed-width or
 * zigzag types occur in these messages.
 */

export const WIRE_VARINT = 0;
export const WIRE_LENGTH_DELIMITED = 2;

const MAX_UINT64 = (1n << 64n) - 1n;

/** UTF-8 that refuses malformed bytes instead of replacing them, for text fields and encoded commands. */
export const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

function copyOf(source: Buffer, size: number): Uint8Array {
  const out = Buffer.allocUnsafe(size);
  source.copy(out, 0, 0, size);
  return new Uint8Array(out.buffer, out.byteOffset, size);
}

/** Appends protobuf fields to one growing buffer. */
export class WireWriter {
  private buffer: Buffer;
  private size = 0;

  /** `capacity`: the bytes expected, when known, so that the buffer need not grow. */
  constructor(capacity = 128) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  private reserve(more: number): void {
    if (this.size + more <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.size + more));
    this.buffer.copy(grown, 0, 0, this.size);
    this.buffer = grown;
  }

  /** A varint of an unsigned value below 2^64; negative int64 values are written as their 64-bit two's complement (10 bytes). */
  varint(value: bigint | number): this {
    this.reserve(10);
    const out = this.buffer;
    // Lengths, field keys, enums and most counts: plain arithmetic, no BigInt.
    if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) {
      let v = value;
      while (v > 0x7f) {
        out[this.size++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      out[this.size++] = v;
      return this;
    }
    let v = BigInt(value);
    if (v < 0n) v = (1n << 64n) + v;
    if (v < 0n || v > MAX_UINT64) throw new RangeError(`varint out of range: ${value}`);
    while (v > 0x7fn) {
      out[this.size++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    out[this.size++] = Number(v);
    return this;
  }

  key(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  varintField(field: number, value: bigint | number): this {
    return this.key(field, WIRE_VARINT).varint(value);
  }

  bytesField(field: number, bytes: Uint8Array): this {
    this.key(field, WIRE_LENGTH_DELIMITED).varint(bytes.length);
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.size);
    this.size += bytes.length;
    return this;
  }

  /** UTF-8 written straight into the buffer: no intermediate bytes. */
  stringField(field: number, value: string): this {
    const length = Buffer.byteLength(value, 'utf8');
    this.key(field, WIRE_LENGTH_DELIMITED).varint(length);
    this.reserve(length);
    this.size += this.buffer.write(value, this.size, 'utf8');
    return this;
  }

  /**
   * A copy of the bytes written, as a plain Uint8Array of its own. The copy is carved out of
   * Buffer's shared pool: a typed array of this size with its own memory costs about five times
   * as much to allocate, and a transaction makes several.
   */
  finish(): Uint8Array {
    return copyOf(this.buffer, this.size);
  }
}

export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}

export interface WireField {
  field: number;
  wireType: number;
  /** For varints. */
  varint?: bigint;
  /** For length-delimited fields. */
  bytes?: Uint8Array;
}

/** Reads every field of one message, in order. Throws WireFormatError on anything malformed. */
export function readFields(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (at >= bytes.length) throw new WireFormatError('truncated varint');
      const byte = bytes[at++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        if (result > MAX_UINT64) throw new WireFormatError('varint larger than 64 bits');
        return result;
      }
      shift += 7n;
    }
    throw new WireFormatError('varint longer than 10 bytes');
  };
  while (at < bytes.length) {
    const key = readVarint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field < 1 || field > 536_870_911) throw new WireFormatError(`invalid field number ${field}`);
    if (wireType === WIRE_VARINT) {
      fields.push({ field, wireType, varint: readVarint() });
    } else if (wireType === WIRE_LENGTH_DELIMITED) {
      const length = Number(readVarint());
      if (at + length > bytes.length) throw new WireFormatError(`field ${field} runs past the end of the message`);
      fields.push({ field, wireType, bytes: bytes.subarray(at, at + length) });
      at += length;
    } else if (wireType === 1 || wireType === 5) {
      // Fixed 64/32-bit fields never occur in Vega's messages but are legal protobuf: skip them.
      const width = wireType === 1 ? 8 : 4;
      if (at + width > bytes.length) throw new WireFormatError(`field ${field} runs past the end of the message`);
      at += width;
    } else {
      throw new WireFormatError(`unsupported wire type ${wireType} for field ${field}`);
    }
  }
  return fields;
}

/** int64 from a varint read as unsigned. */
export const toInt64 = (v: bigint): bigint => (v >= 1n << 63n ? v - (1n << 64n) : v);
