import { describe, expect, it } from '@jest/globals';
import { DEFAULT_SCRYPT_COST, open, seal, type KdfParams, type ScryptCost } from '../../src/domain/wallet/secret-box.js';
import { StoreIntegrityError, WrongPassphraseError } from '../../src/domain/errors.js';

// Cheap cost for every test but the single default-cost round trip.
const CHEAP: ScryptCost = { N: 2 ** 12, r: 8, p: 1 };
const PASSPHRASE = 'correct horse battery staple ✓';
const AAD = new TextEncoder().encode('wallet:alice');
const PLAINTEXT = new TextEncoder().encode('swing ceiling chaos green put insane ripple desk match tip melt usual');

/** Runs fn, returning what it threw (fails the test if it did not throw). */
async function thrown(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

describe('seal / open', () => {
  it('round-trips at the default cost, which is N=2^17, r=8, p=1', async () => {
    expect(DEFAULT_SCRYPT_COST).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    const { kdf, box } = await seal(PLAINTEXT, PASSPHRASE, AAD);
    expect(kdf).toMatchObject({ algorithm: 'scrypt', N: 2 ** 17, r: 8, p: 1 });
    expect(Buffer.from(await open(box, PASSPHRASE, kdf, AAD)).toString()).toBe(Buffer.from(PLAINTEXT).toString());
  });

  it('round-trips with an explicit cost, including an empty plaintext', async () => {
    for (const plaintext of [PLAINTEXT, new Uint8Array(0), new Uint8Array(5000).fill(9)]) {
      const { kdf, box } = await seal(plaintext, PASSPHRASE, AAD, CHEAP);
      expect(box).toBeInstanceOf(Uint8Array);
      expect(box).toHaveLength(12 + plaintext.length + 16);
      const out = await open(box, PASSPHRASE, kdf, AAD);
      expect(out).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(out).equals(Buffer.from(plaintext))).toBe(true);
    }
  });

  it('does not leave the plaintext in the box', async () => {
    const { box } = await seal(PLAINTEXT, PASSPHRASE, AAD, CHEAP);
    expect(Buffer.from(box).includes(Buffer.from(PLAINTEXT.subarray(0, 8)))).toBe(false);
  });

  it('records the KDF parameters: N/r/p as given, a random 16-byte base64 salt per call', async () => {
    const cost = { N: 2 ** 11, r: 4, p: 2 };
    const a = await seal(PLAINTEXT, PASSPHRASE, AAD, cost);
    const b = await seal(PLAINTEXT, PASSPHRASE, AAD, cost);
    for (const { kdf } of [a, b]) {
      expect(Object.keys(kdf).sort()).toEqual(['N', 'algorithm', 'p', 'r', 'salt']);
      expect(kdf).toMatchObject({ algorithm: 'scrypt', N: 2 ** 11, r: 4, p: 2 });
      expect(Buffer.from(kdf.salt, 'base64')).toHaveLength(16);
    }
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    // fresh nonce too: same input, different boxes
    expect(Buffer.from(a.box.subarray(0, 12)).equals(Buffer.from(b.box.subarray(0, 12)))).toBe(false);
    expect(Buffer.from(await open(b.box, PASSPHRASE, b.kdf, AAD)).equals(Buffer.from(PLAINTEXT))).toBe(true);
  });

  it('wrong passphrase → WrongPassphraseError', async () => {
    const { kdf, box } = await seal(PLAINTEXT, PASSPHRASE, AAD, CHEAP);
    await expect(open(box, `${PASSPHRASE} `, kdf, AAD)).rejects.toBeInstanceOf(WrongPassphraseError);
    await expect(open(box, '', kdf, AAD)).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('tampered nonce, ciphertext, tag, salt or aad → WrongPassphraseError', async () => {
    const { kdf, box } = await seal(PLAINTEXT, PASSPHRASE, AAD, CHEAP);
    for (const index of [0, 11, 12, 12 + PLAINTEXT.length - 1, box.length - 16, box.length - 1]) {
      await expect(open(flip(box, index), PASSPHRASE, kdf, AAD)).rejects.toBeInstanceOf(WrongPassphraseError);
    }
    await expect(open(box, PASSPHRASE, kdf, flip(AAD, 0))).rejects.toBeInstanceOf(WrongPassphraseError);
    await expect(open(box, PASSPHRASE, kdf, new Uint8Array(0))).rejects.toBeInstanceOf(WrongPassphraseError);
    const otherSalt = { ...kdf, salt: Buffer.from(flip(Buffer.from(kdf.salt, 'base64'), 0)).toString('base64') };
    await expect(open(box, PASSPHRASE, otherSalt, AAD)).rejects.toBeInstanceOf(WrongPassphraseError);
    // A box moved to another cost setting no longer opens either.
    await expect(open(box, PASSPHRASE, { ...kdf, r: 4 }, AAD)).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('truncated box → StoreIntegrityError', async () => {
    const { kdf, box } = await seal(new Uint8Array(0), PASSPHRASE, AAD, CHEAP);
    expect(box).toHaveLength(28);
    await expect(open(box.subarray(0, 27), PASSPHRASE, kdf, AAD)).rejects.toBeInstanceOf(StoreIntegrityError);
    await expect(open(new Uint8Array(0), PASSPHRASE, kdf, AAD)).rejects.toBeInstanceOf(StoreIntegrityError);
    await expect(open(null as unknown as Uint8Array, PASSPHRASE, kdf, AAD)).rejects.toBeInstanceOf(StoreIntegrityError);
  });

  it('malformed KDF parameters → StoreIntegrityError', async () => {
    const { kdf, box } = await seal(PLAINTEXT, PASSPHRASE, AAD, CHEAP);
    const broken: unknown[] = [
      null,
      { ...kdf, algorithm: 'argon2id' },
      { ...kdf, N: 3000 },
      { ...kdf, N: 1 },
      { ...kdf, N: 0 },
      { ...kdf, N: '4096' },
      { ...kdf, N: 2 ** 40 },
      { ...kdf, r: 0 },
      { ...kdf, r: 1.5 },
      { ...kdf, p: -1 },
      { ...kdf, p: undefined },
      { ...kdf, N: 2 ** 24, r: 8 }, // 16 GiB of scrypt memory: treated as corrupt, not attempted
      { ...kdf, salt: undefined },
      { ...kdf, salt: '' },
      { ...kdf, salt: Buffer.alloc(8).toString('base64') },
      { ...kdf, salt: '!!not base64!!' },
    ];
    for (const bad of broken) {
      await expect(open(box, PASSPHRASE, bad as KdfParams, AAD)).rejects.toBeInstanceOf(StoreIntegrityError);
    }
  });

  it('refuses a non-string passphrase and unusable costs when sealing', async () => {
    await expect(seal(PLAINTEXT, 1234 as unknown as string, AAD, CHEAP)).rejects.toBeInstanceOf(TypeError);
    await expect(seal(PLAINTEXT, PASSPHRASE, AAD, { N: 1000, r: 8, p: 1 })).rejects.toBeInstanceOf(RangeError);
    await expect(seal(PLAINTEXT, PASSPHRASE, AAD, { N: 2 ** 12, r: 0, p: 1 })).rejects.toBeInstanceOf(RangeError);
    const { kdf, box } = await seal(PLAINTEXT, PASSPHRASE, AAD, CHEAP);
    await expect(open(box, undefined as unknown as string, kdf, AAD)).rejects.toBeInstanceOf(TypeError);
  });

  it('never puts the passphrase in any error it throws', async () => {
    const secret = 'Sup3r-secret-passphrase-value';
    const { kdf, box } = await seal(PLAINTEXT, secret, AAD, CHEAP);
    const errors = [
      await thrown(() => open(box, `${secret}!`, kdf, AAD)),
      await thrown(() => open(flip(box, 20), secret, kdf, AAD)),
      await thrown(() => open(box, secret, kdf, flip(AAD, 1))),
      await thrown(() => open(box.subarray(0, 10), secret, kdf, AAD)),
      await thrown(() => open(box, secret, { ...kdf, N: 3 }, AAD)),
      await thrown(() => open(box, secret, { ...kdf, algorithm: 'x' } as unknown as KdfParams, AAD)),
      await thrown(() => seal(PLAINTEXT, secret, AAD, { N: 7, r: 1, p: 1 })),
      await thrown(() => seal(PLAINTEXT, secret, 'aad' as unknown as Uint8Array, CHEAP)),
    ];
    expect(errors).toHaveLength(8);
    for (const err of errors) {
      const exposed = [err.message, String(err), JSON.stringify(err), err.stack ?? ''].join('\n');
      expect(exposed).not.toContain(secret);
      expect(exposed).not.toContain('secret-passphrase');
    }
  });
});
