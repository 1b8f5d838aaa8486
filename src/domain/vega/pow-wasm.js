// The proof-of-work search loop in WebAssembly, assembled here byte by byte when this module
// loads (a few kilobytes, compiled once per thread): no toolchain, no binary blob in the sources.
//
// Why: WebAssembly has 64-bit integers and a rotate instruction, so Keccak-f[1600] runs on
// whole lanes (25 × i64) instead of the 50 interleaved 32-bit halves the JavaScript version
// (pow-search.js) needs. That JavaScript version stays as the fallback and as the reference
// the tests compare this one with.
//
// The exported function tries `count` consecutive nonces from `start`. Memory layout (bytes):
//     0..199   the state before the nonce: full blocks absorbed, then the constant part of the
//              last block (prefix tail, SHA-3 padding) xored in; lanes as little-endian u64
//   200..391   the 24 round constants
//   400..599   scratch: that state with the nonce xored in, rebuilt for every candidate
// search(start: i64, count: i32, mask: i64, laneOffset: i32, shift: i64) -> i32
//   The nonce (big-endian bytes) starts `shift` bits into the lane at byte `laneOffset` and
//   may run into the next lane. Returns the index of the first candidate whose first hash lane
//   has no bit of `mask` set (mask = the first min(difficulty, 64) bits of the digest), or -1.

const BASE = 0;
const ROUND_CONSTANTS = 200;
const SCRATCH = 400;

// Rotation offsets of lane x + 5y (FIPS 202, rho).
const RHO = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

/** The 24 round constants, from FIPS 202's rc() LFSR: round r sets bit 2^j - 1 to rc(j + 7r). */
export function roundConstants() {
  const out = [];
  let lfsr = 1;
  for (let round = 0; round < 24; round++) {
    let rc = 0n;
    for (let j = 0; j < 7; j++) {
      if (lfsr & 1) rc |= 1n << BigInt((1 << j) - 1);
      lfsr = lfsr & 0x80 ? ((lfsr << 1) ^ 0x71) & 0xff : lfsr << 1;
    }
    out.push(rc);
  }
  return out;
}

// ---- a minimal assembler ----------------------------------------------------------------------

function uleb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(value) {
  let n = BigInt(value);
  const out = [];
  for (;;) {
    const byte = Number(n & 0x7fn);
    n >>= 7n;
    const signBitSet = (byte & 0x40) !== 0;
    if ((n === 0n && !signBitSet) || (n === -1n && signBitSet)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const I32 = 0x7f;
const I64 = 0x7e;
const EMPTY = 0x40;
const op = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f,
  get: 0x20, set: 0x21, tee: 0x22,
  i64Load: 0x29, i64Store: 0x37, i32Const: 0x41, i64Const: 0x42,
  i32Eqz: 0x45, i32LtU: 0x49, i32GeU: 0x4f, i64Eqz: 0x50,
  i32Add: 0x6a, i32Shl: 0x74,
  i64Add: 0x7c, i64Sub: 0x7d, i64And: 0x83, i64Or: 0x84, i64Xor: 0x85, i64Shl: 0x86, i64ShrU: 0x88, i64Rotl: 0x89,
  i64ExtendI32U: 0xad,
};

function section(id, body) {
  return [id, ...uleb(body.length), ...body];
}

function name(text) {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

/** The module's bytes. */
export function powWasmBytes() {
  // Locals: parameters 0-4, then 25 state lanes a, 25 lanes b, 5 column parities c, 5 d, v, i, round.
  const START = 0, COUNT = 1, MASK = 2, LANE = 3, SHIFT = 4;
  const A = (k) => 5 + k;
  const B = (k) => 30 + k;
  const C = (k) => 55 + k;
  const D = (k) => 60 + k;
  const V = 65;
  const I = 66; // i32
  const ROUND = 67; // i32

  const code = [];
  const emit = (...bytes) => code.push(...bytes);
  const get = (x) => emit(op.get, ...uleb(x));
  const set = (x) => emit(op.set, ...uleb(x));
  const i64c = (v) => emit(op.i64Const, ...sleb(v));
  const i32c = (v) => emit(op.i32Const, ...sleb(v));
  const load = (offset) => emit(op.i64Load, 3, ...uleb(offset));
  const store = (offset) => emit(op.i64Store, 3, ...uleb(offset));

  // scratch := base (the nonce lanes are overwritten for every candidate)
  for (let k = 0; k < 25; k++) {
    i32c(0);
    i32c(0);
    load(BASE + 8 * k);
    store(SCRATCH + 8 * k);
  }
  i32c(0);
  set(I);

  emit(op.block, EMPTY);
  emit(op.loop, EMPTY);
  // if (i >= count) break
  get(I);
  get(COUNT);
  emit(op.i32GeU, op.brIf, 1);

  // v = byte-swapped (start + i): the nonce's big-endian bytes, as a little-endian lane reads them
  get(START);
  get(I);
  emit(op.i64ExtendI32U, op.i64Add);
  set(V);
  for (const [bits, mask] of [
    [8, 0x00ff00ff00ff00ffn],
    [16, 0x0000ffff0000ffffn],
  ]) {
    get(V);
    i64c(bits);
    emit(op.i64ShrU);
    i64c(mask);
    emit(op.i64And);
    get(V);
    i64c(mask);
    emit(op.i64And);
    i64c(bits);
    emit(op.i64Shl, op.i64Or);
    set(V);
  }
  get(V);
  i64c(32);
  emit(op.i64Rotl);
  set(V);

  // scratch[lane] = base[lane] ^ (v << shift)
  get(LANE);
  get(LANE);
  load(BASE);
  get(V);
  get(SHIFT);
  emit(op.i64Shl, op.i64Xor);
  store(SCRATCH);
  // scratch[lane + 1] = base[lane + 1] ^ (v >>> (64 - shift)), written as two shifts so that shift 0 gives 0
  get(LANE);
  get(LANE);
  load(BASE + 8);
  get(V);
  i64c(63);
  get(SHIFT);
  emit(op.i64Sub, op.i64ShrU);
  i64c(1);
  emit(op.i64ShrU, op.i64Xor);
  store(SCRATCH + 8);

  for (let k = 0; k < 25; k++) {
    i32c(0);
    load(SCRATCH + 8 * k);
    set(A(k));
  }

  // Keccak-f[1600]: 24 rounds of theta, rho, pi, chi, iota.
  i32c(0);
  set(ROUND);
  emit(op.loop, EMPTY);
  for (let x = 0; x < 5; x++) {
    get(A(x));
    for (let y = 1; y < 5; y++) {
      get(A(x + 5 * y));
      emit(op.i64Xor);
    }
    set(C(x));
  }
  for (let x = 0; x < 5; x++) {
    get(C((x + 4) % 5));
    get(C((x + 1) % 5));
    i64c(1);
    emit(op.i64Rotl, op.i64Xor);
    set(D(x));
  }
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      // rho and pi together: B[y, 2x + 3y] = rotl(A[x, y] ^ D[x], RHO[x, y])
      const from = x + 5 * y;
      const to = y + 5 * ((2 * x + 3 * y) % 5);
      get(A(from));
      get(D(x));
      emit(op.i64Xor);
      if (RHO[from] !== 0) {
        i64c(RHO[from]);
        emit(op.i64Rotl);
      }
      set(B(to));
    }
  }
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      // chi: A[x, y] = B[x, y] ^ (~B[x + 1, y] & B[x + 2, y])
      get(B(x + 5 * y));
      get(B(((x + 1) % 5) + 5 * y));
      i64c(-1);
      emit(op.i64Xor);
      get(B(((x + 2) % 5) + 5 * y));
      emit(op.i64And, op.i64Xor);
      set(A(x + 5 * y));
    }
  }
  // iota
  get(A(0));
  get(ROUND);
  i32c(3);
  emit(op.i32Shl);
  load(ROUND_CONSTANTS);
  emit(op.i64Xor);
  set(A(0));
  get(ROUND);
  i32c(1);
  emit(op.i32Add, op.tee, ...uleb(ROUND));
  i32c(24);
  emit(op.i32LtU, op.brIf, 0);
  emit(op.end);

  // The first 8 digest bytes are lane 0: a solution has none of the mask's bits.
  get(A(0));
  get(MASK);
  emit(op.i64And, op.i64Eqz, op.if, EMPTY);
  get(I);
  emit(op.return, op.end);
  get(I);
  i32c(1);
  emit(op.i32Add);
  set(I);
  emit(op.br, 0);
  emit(op.end, op.end);
  i32c(-1);
  emit(op.end);

  const locals = [...uleb(2), ...uleb(61), I64, ...uleb(2), I32];
  const body = [...locals, ...code];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 5, I64, I32, I64, I32, I64, 1, I32]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name('search'), 0x00, 0, ...name('memory'), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

let instance;

/**
 * This thread's instance, made on first use; null when WebAssembly is not available
 * (the caller then uses the JavaScript search).
 */
export function powWasm() {
  if (instance !== undefined) return instance;
  try {
    const wasm = new WebAssembly.Instance(new WebAssembly.Module(powWasmBytes()), {});
    const memory = new DataView(wasm.exports.memory.buffer);
    roundConstants().forEach((rc, i) => memory.setBigUint64(ROUND_CONSTANTS + 8 * i, rc, true));
    instance = { search: wasm.exports.search, memory, BASE };
  } catch {
    instance = null;
  }
  return instance;
}
