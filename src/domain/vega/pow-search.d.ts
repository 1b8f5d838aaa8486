/** Types for pow-search.js, which stays plain JavaScript so worker threads can load it uncompiled. */

/** Number of leading zero bits of `hash`, most significant bit of byte 0 first. */
export declare function leadingZeroBits(hash: Uint8Array): number;

/** SHA3-256("Vega_SPAM_PoW" ‖ blockHash ‖ tid ‖ BE64(nonce)); `nonce` must be in [0, 2^64). */
export declare function powHash(blockHash: string, tid: string, nonce: bigint): Uint8Array;

/**
 * The smallest nonce in [start, start + count) whose hash has at least `difficulty` leading zero
 * bits, or null. Throws RangeError for a difficulty outside 0..256 or a range reaching past 2^64.
 */
export declare function searchRange(blockHash: string, tid: string, difficulty: number, start: bigint, count: number): bigint | null;

/**
 * Keccak-f[1600] in place on 50 uint32 words (word 2i / 2i+1 = low / high half of lane i, the
 * layout of noble's keccakP). Exposed so tests can compare it with another implementation.
 */
export declare function keccakF1600(state: Uint32Array): void;
