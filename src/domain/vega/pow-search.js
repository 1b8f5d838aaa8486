// Vega spam proof-of-work: hash = SHA3-256("Vega_SPAM_PoW" ‖ blockHash ‖ tid ‖ BE64(nonce)),
// a nonce solves difficulty d when the hash starts with at least d zero bits.
//
// This file is plain JavaScript on purpose: worker threads load it directly, both from src/
// (under jest, where nothing compiles it for them) and from dist/ (tsc copies it there).
//
// The search carries its own Keccak-f[1600] instead of calling @noble/hashes' keccakP. Both
// compute the same permutation (the unit tests compare them), but on Node 20 noble's generic
// loop ran ~0.2M permutations/s per thread, so the one-permutation search built on it was 2-3×
// slower than simply hashing every candidate with node:crypto (~0.55M/s). The JavaScript version
// below (state in local variables, bit-interleaved and lane-complemented lanes) reaches ~1.1M/s,
// about 0.7× of OpenSSL's SHA3-256 on the same input; the WebAssembly loop of pow-wasm.js, which
// searchRange uses where WebAssembly exists, ~3.5M/s (bench/RESULTS.md, section 4).
import { createHash } from 'node:crypto';
import { powWasm } from './pow-wasm.js';

/** SHA3-256 absorbs 136 bytes per permutation (1600-bit state minus 2 × 256 bits of capacity). */
const RATE = 136;
const DOMAIN = Buffer.from('Vega_SPAM_PoW', 'ascii');
const UINT64_LIMIT = 1n << 64n;

/** Everything the hash covers except the nonce; strings go in as their UTF-8 (= ASCII) bytes. */
function constantPrefix(blockHash, tid) {
  if (typeof blockHash !== 'string' || typeof tid !== 'string') throw new TypeError('blockHash and tid must be strings');
  return Buffer.concat([DOMAIN, Buffer.from(blockHash, 'utf8'), Buffer.from(tid, 'utf8')]);
}

function checkDifficulty(difficulty) {
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > 256) {
    throw new RangeError(`difficulty must be an integer from 0 to 256, got ${difficulty}`);
  }
}

export function leadingZeroBits(hash) {
  for (let i = 0; i < hash.length; i++) {
    const b = hash[i];
    if (b !== 0) return i * 8 + Math.clz32(b) - 24;
  }
  return hash.length * 8;
}

export function powHash(blockHash, tid, nonce) {
  if (typeof nonce !== 'bigint' || nonce < 0n || nonce >= UINT64_LIMIT) throw new RangeError('nonce must be a bigint in [0, 2^64)');
  const prefix = constantPrefix(blockHash, tid);
  const input = Buffer.alloc(prefix.length + 8);
  prefix.copy(input, 0);
  input.writeBigUInt64BE(nonce, prefix.length);
  return new Uint8Array(createHash('sha3-256').update(input).digest());
}

// ---- State layouts -------------------------------------------------------------------------
//
// "Plain" layout (noble's too): 50 words, word 2i / 2i+1 = low / high 32 bits of lane i, i.e.
// the little-endian value of state bytes 8i..8i+3 / 8i+4..8i+7. Values are computed
// arithmetically (never through a byte view), so nothing depends on the host's endianness.
//
// "Inner" layout, used by the permutation, differs in two ways that each save work per round:
// - bit interleaving: word 2i holds the 32 even-numbered bits of lane i and word 2i+1 the odd
//   ones, so a 64-bit rotation is two 32-bit rotations (single instructions once V8 sees the
//   shift/or pattern) instead of six shifts and ORs;
// - lane complementing: lanes 1, 2, 8, 12, 17 and 20 are stored inverted, which lets chi
//   (x ^ (~y & z) per lane) be computed with one NOT per row instead of five.
// XORing data into a lane commutes with inverting it, so absorbing works the same either way.

/** -1 for the lanes kept inverted in the inner layout, 0 for the others. */
const FLIP = new Int32Array(25);
for (const lane of [1, 2, 8, 12, 17, 20]) FLIP[lane] = -1;

function xorByte(words, pos, byte) {
  words[pos >>> 2] ^= byte << ((pos & 3) * 8);
}

/** Moves the even bits of x into its low 16 bits and the odd bits into its high 16 bits. */
function unzip32(x) {
  let t;
  t = (x ^ (x >>> 1)) & 0x22222222; x ^= t ^ (t << 1);
  t = (x ^ (x >>> 2)) & 0x0c0c0c0c; x ^= t ^ (t << 2);
  t = (x ^ (x >>> 4)) & 0x00f000f0; x ^= t ^ (t << 4);
  t = (x ^ (x >>> 8)) & 0x0000ff00; x ^= t ^ (t << 8);
  return x;
}

/** Inverse of unzip32. */
function zip32(x) {
  let t;
  t = (x ^ (x >>> 8)) & 0x0000ff00; x ^= t ^ (t << 8);
  t = (x ^ (x >>> 4)) & 0x00f000f0; x ^= t ^ (t << 4);
  t = (x ^ (x >>> 2)) & 0x0c0c0c0c; x ^= t ^ (t << 2);
  t = (x ^ (x >>> 1)) & 0x22222222; x ^= t ^ (t << 1);
  return x;
}

/** Writes plain lane (lo, hi) to dst[i], dst[i + 1] bit-interleaved, xored with `flip` (0 or -1). */
function interleave(dst, i, lo, hi, flip) {
  const a = unzip32(lo);
  const b = unzip32(hi);
  dst[i] = ((a & 0xffff) | (b << 16)) ^ flip;
  dst[i + 1] = ((a >>> 16) | (b & 0xffff0000)) ^ flip;
}

/** Inverse of interleave: writes the plain lane for inner words (even, odd). */
function deinterleave(dst, i, even, odd, flip) {
  even ^= flip;
  odd ^= flip;
  dst[i] = zip32((even & 0xffff) | (odd << 16));
  dst[i + 1] = zip32((even >>> 16) | (odd & 0xffff0000));
}

function toInner(inner, plain) {
  for (let lane = 0; lane < 25; lane++) interleave(inner, 2 * lane, plain[2 * lane], plain[2 * lane + 1], FLIP[lane]);
}

function toPlain(plain, inner) {
  for (let lane = 0; lane < 25; lane++) deinterleave(plain, 2 * lane, inner[2 * lane], inner[2 * lane + 1], FLIP[lane]);
}

/** Keccak-f[1600] on a plain-layout state, in place. The search itself never uses this wrapper. */
export function keccakF1600(state) {
  const inner = new Int32Array(50);
  toInner(inner, state);
  permuteInner(inner, inner);
  toPlain(state, inner);
}

/** Leading zero bits of the 32-byte digest (lanes 0..3) of an inner-layout squeezed state. */
function digestZeroBits(inner, scratch) {
  for (let lane = 0; lane < 4; lane++) deinterleave(scratch, 2 * lane, inner[2 * lane], inner[2 * lane + 1], FLIP[lane]);
  let bits = 0;
  for (let w = 0; w < 8; w++) {
    const x = scratch[w];
    // Hash bytes come out of each word little-endian: count from the lowest byte up.
    for (let k = 0; k < 32; k += 8) {
      const byte = (x >>> k) & 0xff;
      if (byte !== 0) return bits + Math.clz32(byte) - 24;
      bits += 8;
    }
  }
  return bits;
}

// ---- The search ----------------------------------------------------------------------------

/**
 * The smallest nonce in [start, start + count) giving at least `difficulty` leading zero bits,
 * or null. Runs the WebAssembly loop of pow-wasm.js (64-bit lanes) where WebAssembly exists,
 * else the JavaScript one below; both give the same answers (the tests check it).
 */
export function searchRange(blockHash, tid, difficulty, start, count) {
  return search(blockHash, tid, difficulty, start, count, powWasm());
}

/** searchRange without WebAssembly: the reference, and what runs where WebAssembly is missing. */
export function searchRangeJs(blockHash, tid, difficulty, start, count) {
  return search(blockHash, tid, difficulty, start, count, null);
}

function search(blockHash, tid, difficulty, start, count, wasm) {
  checkDifficulty(difficulty);
  if (typeof start !== 'bigint' || start < 0n) throw new RangeError('start must be a non-negative bigint');
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('count must be a non-negative safe integer');
  if (start + BigInt(count) > UINT64_LIMIT) throw new RangeError('the range must stay below 2^64');
  const prefix = constantPrefix(blockHash, tid);
  if (count === 0) return null;
  if (difficulty === 0) return start;

  // Only the bytes after the last full block of the prefix change with the nonce. If those
  // bytes, the 8 nonce bytes and at least one padding byte fit in a single block, every nonce
  // costs one permutation; otherwise take the slow but obviously correct route.
  const fullBlocks = Math.floor(prefix.length / RATE);
  const o = prefix.length - fullBlocks * RATE; // where the nonce starts inside the last block
  if (o + 8 + 1 > RATE) return searchSlow(prefix, difficulty, start, count);

  // Absorb the full blocks once, working in the plain layout between permutations.
  const plain = new Int32Array(50);
  const inner = new Int32Array(50);
  for (let b = 0; b < fullBlocks; b++) {
    for (let i = 0; i < RATE; i++) xorByte(plain, i, prefix[b * RATE + i]);
    toInner(inner, plain);
    permuteInner(inner, inner);
    toPlain(plain, inner);
  }
  // The constant part of the last block: the prefix tail, the SHA3 domain/padding byte 0x06
  // right after the nonce and the closing 0x80 (the two may share a byte).
  for (let i = 0; i < o; i++) xorByte(plain, i, prefix[fullBlocks * RATE + i]);
  xorByte(plain, o + 8, 0x06);
  xorByte(plain, RATE - 1, 0x80);
  if (wasm) return searchWasm(wasm, plain, o, blockHash, tid, difficulty, start, count);
  const input = new Int32Array(50);
  toInner(input, plain);

  // The nonce lies within lanes la and la + 1. Those two lanes are rebuilt for every candidate
  // from their nonce-free plain words; the other 23 lanes of `input` never change.
  const la = o >>> 3;
  const wl = 2 * la; // first word of lane la
  const flipA = FLIP[la], flipB = FLIP[la + 1];
  const p0 = plain[wl], p1 = plain[wl + 1], p2 = plain[wl + 2], p3 = plain[wl + 3];
  // Word (0..3, counted from wl) and bit shift of each nonce byte, most significant first.
  const r = o - 8 * la;
  const q0 = (r + 0) >>> 2, s0 = ((r + 0) & 3) * 8;
  const q1 = (r + 1) >>> 2, s1 = ((r + 1) & 3) * 8;
  const q2 = (r + 2) >>> 2, s2 = ((r + 2) & 3) * 8;
  const q3 = (r + 3) >>> 2, s3 = ((r + 3) & 3) * 8;
  const q4 = (r + 4) >>> 2, s4 = ((r + 4) & 3) * 8;
  const q5 = (r + 5) >>> 2, s5 = ((r + 5) & 3) * 8;
  const q6 = (r + 6) >>> 2, s6 = ((r + 6) & 3) * 8;
  const q7 = (r + 7) >>> 2, s7 = ((r + 7) & 3) * 8;

  // Masks over inner lane 0 (= hash bytes 0..7, never inverted) selecting the first
  // min(d, 64) bits of the hash, so the usual rejection is two ANDs with no conversion.
  const first = new Int32Array(2);
  for (let bit = 0; bit < Math.min(difficulty, 64); bit++) xorByte(first, bit >>> 3, 0x80 >>> (bit & 7));
  const mask = new Int32Array(2);
  interleave(mask, 0, first[0], first[1], 0);
  const maskEven = mask[0], maskOdd = mask[1];
  const deep = difficulty > 64;

  const nonceWords = new Int32Array(4);
  const out = new Int32Array(50);
  const scratch = new Int32Array(8);
  // The nonce walks as two uint32 halves; a BigInt per candidate would cost more than the hash.
  let hi = Number(start >> 32n);
  let lo = Number(start & 0xffffffffn);
  for (let i = 0; i < count; i++) {
    nonceWords[0] = p0;
    nonceWords[1] = p1;
    nonceWords[2] = p2;
    nonceWords[3] = p3;
    nonceWords[q0] ^= (hi >>> 24) << s0;
    nonceWords[q1] ^= ((hi >>> 16) & 0xff) << s1;
    nonceWords[q2] ^= ((hi >>> 8) & 0xff) << s2;
    nonceWords[q3] ^= (hi & 0xff) << s3;
    nonceWords[q4] ^= (lo >>> 24) << s4;
    nonceWords[q5] ^= ((lo >>> 16) & 0xff) << s5;
    nonceWords[q6] ^= ((lo >>> 8) & 0xff) << s6;
    nonceWords[q7] ^= (lo & 0xff) << s7;
    interleave(input, wl, nonceWords[0], nonceWords[1], flipA);
    interleave(input, wl + 2, nonceWords[2], nonceWords[3], flipB);
    permuteInner(input, out);
    if (((out[0] & maskEven) | (out[1] & maskOdd)) === 0 && (!deep || digestZeroBits(out, scratch) >= difficulty)) {
      return (BigInt(hi) << 32n) | BigInt(lo);
    }
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
  }
  return null;
}

/**
 * The WebAssembly loop over a nonce-free plain state (see pow-wasm.js for the memory layout).
 * It checks the first min(difficulty, 64) bits; deeper difficulties are confirmed here.
 */
function searchWasm(wasm, plain, o, blockHash, tid, difficulty, start, count) {
  for (let w = 0; w < 50; w++) wasm.memory.setInt32(wasm.BASE + 4 * w, plain[w], true);
  let mask = 0n;
  for (let bit = 0; bit < Math.min(difficulty, 64); bit++) mask |= 1n << BigInt(8 * (bit >>> 3) + 7 - (bit & 7));
  const la = o >>> 3;
  const shift = BigInt(8 * (o - 8 * la));
  const deep = difficulty > 64;
  let offset = 0;
  while (offset < count) {
    const n = Math.min(count - offset, 1 << 30);
    const index = wasm.search(BigInt.asIntN(64, start + BigInt(offset)), n, BigInt.asIntN(64, mask), 8 * la, shift);
    if (index < 0) {
      offset += n;
      continue;
    }
    const nonce = start + BigInt(offset + index);
    if (!deep || leadingZeroBits(powHash(blockHash, tid, nonce)) >= difficulty) return nonce;
    offset += index + 1;
  }
  return null;
}

/** Used only when the nonce would straddle two Keccak blocks (unusual blockHash/tid lengths). */
function searchSlow(prefix, difficulty, start, count) {
  const input = Buffer.alloc(prefix.length + 8);
  prefix.copy(input, 0);
  let nonce = start;
  for (let i = 0; i < count; i++, nonce++) {
    input.writeBigUInt64BE(nonce, prefix.length);
    if (leadingZeroBits(createHash('sha3-256').update(input).digest()) >= difficulty) return nonce;
  }
  return null;
}

// ---- Keccak-f[1600] --------------------------------------------------------------------------

// Round constants from FIPS 202's rc() LFSR (x^8 + x^6 + x^5 + x^4 + 1): round r sets bit
// 2^j - 1 of lane 0 to rc(j + 7r) for j = 0..6. Kept bit-interleaved (lane 0 is never inverted).
const IOTA_EVEN = new Int32Array(24);
const IOTA_ODD = new Int32Array(24);
{
  const rc = new Int32Array(2);
  const lane = new Int32Array(2);
  let lfsr = 1;
  for (let round = 0; round < 24; round++) {
    rc[0] = 0;
    rc[1] = 0;
    for (let j = 0; j < 7; j++) {
      if (lfsr & 1) {
        const bit = (1 << j) - 1;
        rc[bit >>> 5] |= 1 << (bit & 31);
      }
      lfsr = lfsr & 0x80 ? ((lfsr << 1) ^ 0x71) & 0xff : lfsr << 1;
    }
    interleave(lane, 0, rc[0], rc[1], 0);
    IOTA_EVEN[round] = lane[0];
    IOTA_ODD[round] = lane[1];
  }
}

// The permutation on an inner-layout state, read from `src` and written to `dst` (may be the same
// array). Lane i is (x, y) = (i % 5, floor(i / 5)); a<i>e / a<i>o are its even / odd bits. All 50
// words stay in local variables for the whole call and each round is spelled out (the code was
// generated), which is what makes it fast in V8. The round loop is kept on purpose: unrolling all
// 24 rounds made the function too big for the optimising compiler and ran ~20× slower.
// A lane rotation by n becomes: n = 2m → both halves rotate by m; n = 2m + 1 → the new even half
// is the odd half rotated by m + 1 and the new odd half is the even half rotated by m.
function permuteInner(src, dst) {
  let a0e = src[0] | 0, a0o = src[1] | 0;
  let a1e = src[2] | 0, a1o = src[3] | 0;
  let a2e = src[4] | 0, a2o = src[5] | 0;
  let a3e = src[6] | 0, a3o = src[7] | 0;
  let a4e = src[8] | 0, a4o = src[9] | 0;
  let a5e = src[10] | 0, a5o = src[11] | 0;
  let a6e = src[12] | 0, a6o = src[13] | 0;
  let a7e = src[14] | 0, a7o = src[15] | 0;
  let a8e = src[16] | 0, a8o = src[17] | 0;
  let a9e = src[18] | 0, a9o = src[19] | 0;
  let a10e = src[20] | 0, a10o = src[21] | 0;
  let a11e = src[22] | 0, a11o = src[23] | 0;
  let a12e = src[24] | 0, a12o = src[25] | 0;
  let a13e = src[26] | 0, a13o = src[27] | 0;
  let a14e = src[28] | 0, a14o = src[29] | 0;
  let a15e = src[30] | 0, a15o = src[31] | 0;
  let a16e = src[32] | 0, a16o = src[33] | 0;
  let a17e = src[34] | 0, a17o = src[35] | 0;
  let a18e = src[36] | 0, a18o = src[37] | 0;
  let a19e = src[38] | 0, a19o = src[39] | 0;
  let a20e = src[40] | 0, a20o = src[41] | 0;
  let a21e = src[42] | 0, a21o = src[43] | 0;
  let a22e = src[44] | 0, a22o = src[45] | 0;
  let a23e = src[46] | 0, a23o = src[47] | 0;
  let a24e = src[48] | 0, a24o = src[49] | 0;
  for (let round = 0; round < 24; round++) {
    // theta: xor every lane with the parities of its two neighbouring columns (one rotated)
    const c0e = a0e ^ a5e ^ a10e ^ a15e ^ a20e;
    const c0o = a0o ^ a5o ^ a10o ^ a15o ^ a20o;
    const c1e = a1e ^ a6e ^ a11e ^ a16e ^ a21e;
    const c1o = a1o ^ a6o ^ a11o ^ a16o ^ a21o;
    const c2e = a2e ^ a7e ^ a12e ^ a17e ^ a22e;
    const c2o = a2o ^ a7o ^ a12o ^ a17o ^ a22o;
    const c3e = a3e ^ a8e ^ a13e ^ a18e ^ a23e;
    const c3o = a3o ^ a8o ^ a13o ^ a18o ^ a23o;
    const c4e = a4e ^ a9e ^ a14e ^ a19e ^ a24e;
    const c4o = a4o ^ a9o ^ a14o ^ a19o ^ a24o;
    const d0e = c4e ^ ((c1o << 1) | (c1o >>> 31));
    const d0o = c4o ^ c1e;
    const d1e = c0e ^ ((c2o << 1) | (c2o >>> 31));
    const d1o = c0o ^ c2e;
    const d2e = c1e ^ ((c3o << 1) | (c3o >>> 31));
    const d2o = c1o ^ c3e;
    const d3e = c2e ^ ((c4o << 1) | (c4o >>> 31));
    const d3o = c2o ^ c4e;
    const d4e = c3e ^ ((c0o << 1) | (c0o >>> 31));
    const d4o = c3o ^ c0e;
    a0e ^= d0e; a0o ^= d0o;
    a1e ^= d1e; a1o ^= d1o;
    a2e ^= d2e; a2o ^= d2o;
    a3e ^= d3e; a3o ^= d3o;
    a4e ^= d4e; a4o ^= d4o;
    a5e ^= d0e; a5o ^= d0o;
    a6e ^= d1e; a6o ^= d1o;
    a7e ^= d2e; a7o ^= d2o;
    a8e ^= d3e; a8o ^= d3o;
    a9e ^= d4e; a9o ^= d4o;
    a10e ^= d0e; a10o ^= d0o;
    a11e ^= d1e; a11o ^= d1o;
    a12e ^= d2e; a12o ^= d2o;
    a13e ^= d3e; a13o ^= d3o;
    a14e ^= d4e; a14o ^= d4o;
    a15e ^= d0e; a15o ^= d0o;
    a16e ^= d1e; a16o ^= d1o;
    a17e ^= d2e; a17o ^= d2o;
    a18e ^= d3e; a18o ^= d3o;
    a19e ^= d4e; a19o ^= d4o;
    a20e ^= d0e; a20o ^= d0o;
    a21e ^= d1e; a21o ^= d1o;
    a22e ^= d2e; a22o ^= d2o;
    a23e ^= d3e; a23o ^= d3o;
    a24e ^= d4e; a24o ^= d4o;
    // rho + pi: rotate each lane by its fixed offset and move it to its new position
    const b0e = a0e, b0o = a0o;
    const b16e = ((a5e << 18) | (a5e >>> 14)), b16o = ((a5o << 18) | (a5o >>> 14));
    const b7e = ((a10o << 2) | (a10o >>> 30)), b7o = ((a10e << 1) | (a10e >>> 31));
    const b23e = ((a15o << 21) | (a15o >>> 11)), b23o = ((a15e << 20) | (a15e >>> 12));
    const b14e = ((a20e << 9) | (a20e >>> 23)), b14o = ((a20o << 9) | (a20o >>> 23));
    const b10e = ((a1o << 1) | (a1o >>> 31)), b10o = a1e;
    const b1e = ((a6e << 22) | (a6e >>> 10)), b1o = ((a6o << 22) | (a6o >>> 10));
    const b17e = ((a11e << 5) | (a11e >>> 27)), b17o = ((a11o << 5) | (a11o >>> 27));
    const b8e = ((a16o << 23) | (a16o >>> 9)), b8o = ((a16e << 22) | (a16e >>> 10));
    const b24e = ((a21e << 1) | (a21e >>> 31)), b24o = ((a21o << 1) | (a21o >>> 31));
    const b20e = ((a2e << 31) | (a2e >>> 1)), b20o = ((a2o << 31) | (a2o >>> 1));
    const b11e = ((a7e << 3) | (a7e >>> 29)), b11o = ((a7o << 3) | (a7o >>> 29));
    const b2e = ((a12o << 22) | (a12o >>> 10)), b2o = ((a12e << 21) | (a12e >>> 11));
    const b18e = ((a17o << 8) | (a17o >>> 24)), b18o = ((a17e << 7) | (a17e >>> 25));
    const b9e = ((a22o << 31) | (a22o >>> 1)), b9o = ((a22e << 30) | (a22e >>> 2));
    const b5e = ((a3e << 14) | (a3e >>> 18)), b5o = ((a3o << 14) | (a3o >>> 18));
    const b21e = ((a8o << 28) | (a8o >>> 4)), b21o = ((a8e << 27) | (a8e >>> 5));
    const b12e = ((a13o << 13) | (a13o >>> 19)), b12o = ((a13e << 12) | (a13e >>> 20));
    const b3e = ((a18o << 11) | (a18o >>> 21)), b3o = ((a18e << 10) | (a18e >>> 22));
    const b19e = ((a23e << 28) | (a23e >>> 4)), b19o = ((a23o << 28) | (a23o >>> 4));
    const b15e = ((a4o << 14) | (a4o >>> 18)), b15o = ((a4e << 13) | (a4e >>> 19));
    const b6e = ((a9e << 10) | (a9e >>> 22)), b6o = ((a9o << 10) | (a9o >>> 22));
    const b22e = ((a14o << 20) | (a14o >>> 12)), b22o = ((a14e << 19) | (a14e >>> 13));
    const b13e = ((a19e << 4) | (a19e >>> 28)), b13o = ((a19o << 4) | (a19o >>> 28));
    const b4e = ((a24e << 7) | (a24e >>> 25)), b4o = ((a24o << 7) | (a24o >>> 25));
    // chi along each row, arranged for the complemented lanes; iota's constant goes into lane 0
    a0e = b0e ^ (b1e | b2e) ^ IOTA_EVEN[round]; a0o = b0o ^ (b1o | b2o) ^ IOTA_ODD[round];
    a1e = b1e ^ (~b2e | b3e); a1o = b1o ^ (~b2o | b3o);
    a2e = b2e ^ (b3e & b4e); a2o = b2o ^ (b3o & b4o);
    a3e = b3e ^ (b4e | b0e); a3o = b3o ^ (b4o | b0o);
    a4e = b4e ^ (b0e & b1e); a4o = b4o ^ (b0o & b1o);
    a5e = b5e ^ (b6e | b7e); a5o = b5o ^ (b6o | b7o);
    a6e = b6e ^ (b7e & b8e); a6o = b6o ^ (b7o & b8o);
    a7e = b7e ^ (b8e | ~b9e); a7o = b7o ^ (b8o | ~b9o);
    a8e = b8e ^ (b9e | b5e); a8o = b8o ^ (b9o | b5o);
    a9e = b9e ^ (b5e & b6e); a9o = b9o ^ (b5o & b6o);
    a10e = b10e ^ (b11e | b12e); a10o = b10o ^ (b11o | b12o);
    a11e = b11e ^ (b12e & b13e); a11o = b11o ^ (b12o & b13o);
    a12e = b12e ^ (~b13e & b14e); a12o = b12o ^ (~b13o & b14o);
    a13e = ~b13e ^ (b14e | b10e); a13o = ~b13o ^ (b14o | b10o);
    a14e = b14e ^ (b10e & b11e); a14o = b14o ^ (b10o & b11o);
    a15e = b15e ^ (b16e & b17e); a15o = b15o ^ (b16o & b17o);
    a16e = b16e ^ (b17e | b18e); a16o = b16o ^ (b17o | b18o);
    a17e = b17e ^ (~b18e | b19e); a17o = b17o ^ (~b18o | b19o);
    a18e = ~b18e ^ (b19e & b15e); a18o = ~b18o ^ (b19o & b15o);
    a19e = b19e ^ (b15e | b16e); a19o = b19o ^ (b15o | b16o);
    a20e = b20e ^ (~b21e & b22e); a20o = b20o ^ (~b21o & b22o);
    a21e = ~b21e ^ (b22e | b23e); a21o = ~b21o ^ (b22o | b23o);
    a22e = b22e ^ (b23e & b24e); a22o = b22o ^ (b23o & b24o);
    a23e = b23e ^ (b24e | b20e); a23o = b23o ^ (b24o | b20o);
    a24e = b24e ^ (b20e & b21e); a24o = b24o ^ (b20o & b21o);
  }
  dst[0] = a0e; dst[1] = a0o;
  dst[2] = a1e; dst[3] = a1o;
  dst[4] = a2e; dst[5] = a2o;
  dst[6] = a3e; dst[7] = a3o;
  dst[8] = a4e; dst[9] = a4o;
  dst[10] = a5e; dst[11] = a5o;
  dst[12] = a6e; dst[13] = a6o;
  dst[14] = a7e; dst[15] = a7o;
  dst[16] = a8e; dst[17] = a8o;
  dst[18] = a9e; dst[19] = a9o;
  dst[20] = a10e; dst[21] = a10o;
  dst[22] = a11e; dst[23] = a11o;
  dst[24] = a12e; dst[25] = a12o;
  dst[26] = a13e; dst[27] = a13o;
  dst[28] = a14e; dst[29] = a14o;
  dst[30] = a15e; dst[31] = a15o;
  dst[32] = a16e; dst[33] = a16o;
  dst[34] = a17e; dst[35] = a17o;
  dst[36] = a18e; dst[37] = a18o;
  dst[38] = a19e; dst[39] = a19o;
  dst[40] = a20e; dst[41] = a20o;
  dst[42] = a21e; dst[43] = a21o;
  dst[44] = a22e; dst[45] = a22o;
  dst[46] = a23e; dst[47] = a23o;
  dst[48] = a24e; dst[49] = a24o;
}
