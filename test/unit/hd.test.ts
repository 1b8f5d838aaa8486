import { describe, expect, it } from '@jest/globals';
import { entropyToMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import {
  deriveHardenedPath,
  deriveKeyPair,
  deriveWalletId,
  generateRecoveryPhrase,
  isValidRecoveryPhrase,
  keyPath,
  normalizeRecoveryPhrase,
  publicKeyFromSeed,
  recoveryPhraseToSeed,
  type KeyDerivationVersion,
} from '../../src/domain/wallet/hd.js';
import { InvalidRecoveryPhraseError, UnsupportedKeyDerivationVersionError } from '../../src/domain/errors.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// vega-facts.md §5.1
const MNEMONIC =
  'swing ceiling chaos green put insane ripple desk match tip melt usual shrug turkey renew icon parade veteran lens govern path rough page render';
const SEED_HEX =
  '8c1771c8d6ed96261e5a7456438ad1ea27b63da359bc4922d4aeb44e39e2778d322f18c7f802a0801505ba954d4aa9574a7e686848a26f7e09aaa40ebdd9a730';

const TABLE: Array<{ name: string; path: number[]; key: string; chainCode: string; publicKey: string; keyAndPub: string }> = [
  {
    name: 'm',
    path: [],
    key: '1a56e2438e5309a43ee2152bb0b44deab3f5a6afccd130bd6a3b6fb569103d48',
    chainCode: '2bd0f0a05d31e16d4e60afcea06301aa83923bb4db34fea726a49ef9912d4dc5',
    publicKey: 'b5e1866efa91462b717d40c6ad4de6ef02e4d060115fdddab54f11964a7a8d11',
    keyAndPub:
      '1a56e2438e5309a43ee2152bb0b44deab3f5a6afccd130bd6a3b6fb569103d48b5e1866efa91462b717d40c6ad4de6ef02e4d060115fdddab54f11964a7a8d11',
  },
  {
    name: "m/1789'",
    path: [1789],
    key: '3e323acf112ee1db5c4eef76758941ff60dafabbd2a60ecacef98b310f70bfa8',
    chainCode: 'ba9fbe7f7ed8a4d6b3d8899fe74df073a95b6dbcd9e8b30ca57538cf0a357993',
    publicKey: '9df682a3c87d90567f260566a9c223ccbbb7529c38340cf163b8fe199dbf0f2e',
    keyAndPub:
      '3e323acf112ee1db5c4eef76758941ff60dafabbd2a60ecacef98b310f70bfa89df682a3c87d90567f260566a9c223ccbbb7529c38340cf163b8fe199dbf0f2e',
  },
  {
    name: "m/1789'/0'",
    path: [1789, 0],
    key: '8072662c6b1559226cd119616244763a3ed3992f11f7738a66e3a6f04bdafb2e',
    chainCode: '0da7bc026856ebf3c1921c3d34516606075cd04a35c1b5ca3564e0122b9ceb07',
    publicKey: '28de55a105367539135f79581590c2316ce1571747b42ace13071f452f4ed590',
    keyAndPub:
      '8072662c6b1559226cd119616244763a3ed3992f11f7738a66e3a6f04bdafb2e28de55a105367539135f79581590c2316ce1571747b42ace13071f452f4ed590',
  },
  {
    name: "m/1789'/0'/0'",
    path: [1789, 0, 0],
    key: '754ed6c0771ee980f7a8f5f8b78735a0d4c75618b5c96f53dbbd5aeaa93345d3',
    chainCode: '307c8f8616e102d8d620a5cf3b1b296d139d4ba0264fbe85a5be7ea24260c115',
    publicKey: '6b3e197785a6f7614f52c07a0e3e7807a4dfbde3db828ed6f716261269974772',
    keyAndPub:
      '754ed6c0771ee980f7a8f5f8b78735a0d4c75618b5c96f53dbbd5aeaa93345d36b3e197785a6f7614f52c07a0e3e7807a4dfbde3db828ed6f716261269974772',
  },
  {
    name: "m/1789'/0'/1'",
    path: [1789, 0, 1],
    key: '0bfdfb4a04e22d7252a4f24eb9d0f35a82efdc244cb0876d919361e61f6f56a2',
    chainCode: 'a950f553512beaa525579208727ade5408ed6928c747f4e05d7472e51a31f1d7',
    publicKey: 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0',
    keyAndPub:
      '0bfdfb4a04e22d7252a4f24eb9d0f35a82efdc244cb0876d919361e61f6f56a2b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0',
  },
  {
    name: "m/1789'/1790'",
    path: [1789, 1790],
    key: '1bbd4efb460d0bf457251e866697d5d2e9b58c5dcb96a964cd9cfff1a712a2b9',
    chainCode: '5539b1f6f1ea4710b7149abde4b7d0f4445c3276da11b2bcedef4c65a4f9e7b4',
    publicKey: '30ebce58d94ad37c4ff6a9014c955c20e12468da956163228cc7ec9b98d3a371',
    keyAndPub:
      '1bbd4efb460d0bf457251e866697d5d2e9b58c5dcb96a964cd9cfff1a712a2b930ebce58d94ad37c4ff6a9014c955c20e12468da956163228cc7ec9b98d3a371',
  },
];

/** Replaces the last word so the checksum no longer matches (every English word is in the list). */
function withBadChecksum(phrase: string): string {
  const words = phrase.split(' ');
  const last = words[words.length - 1];
  for (const candidate of wordlist) {
    if (candidate === last) continue;
    const attempt = [...words.slice(0, -1), candidate].join(' ');
    if (!isValidRecoveryPhrase(attempt)) return attempt;
  }
  throw new Error('unreachable');
}

describe('recovery phrase → seed (vega-facts §5.1)', () => {
  it('derives the published BIP-39 seed with an empty passphrase', () => {
    const seed = recoveryPhraseToSeed(MNEMONIC);
    expect(seed).toBeInstanceOf(Uint8Array);
    expect(seed).toHaveLength(64);
    expect(hex(seed)).toBe(SEED_HEX);
  });

  it('normalises whitespace and case before validating and deriving', () => {
    const messy = `  ${MNEMONIC.toUpperCase().split(' ').join(' \t\n  ')}\r\n`;
    expect(normalizeRecoveryPhrase(messy)).toBe(MNEMONIC);
    expect(isValidRecoveryPhrase(messy)).toBe(true);
    expect(hex(recoveryPhraseToSeed(messy))).toBe(SEED_HEX);
  });

  it('normalises edge cases', () => {
    expect(normalizeRecoveryPhrase('')).toBe('');
    expect(normalizeRecoveryPhrase('   ')).toBe('');
    expect(normalizeRecoveryPhrase('Abandon\u00a0ABOUT')).toBe('abandon about');
  });
});

describe('SLIP-10 derivation table (vega-facts §5.1)', () => {
  const seed = Uint8Array.from(Buffer.from(SEED_HEX, 'hex'));

  it.each(TABLE)('$name: key, chain code, public key and key‖pub', ({ path, key, chainCode, publicKey, keyAndPub }) => {
    const node = deriveHardenedPath(seed, path);
    expect(hex(node.key)).toBe(key);
    expect(hex(node.chainCode)).toBe(chainCode);
    const pub = publicKeyFromSeed(node.key);
    expect(pub).toHaveLength(32);
    expect(hex(pub)).toBe(publicKey);
    expect(hex(node.key) + hex(pub)).toBe(keyAndPub);
  });

  it('wallet ID is the public key of m/1789\'', () => {
    expect(deriveWalletId(seed)).toBe('9df682a3c87d90567f260566a9c223ccbbb7529c38340cf163b8fe199dbf0f2e');
  });

  it('v2 key 1 is m/1789\'/0\'/1\'', () => {
    const kp = deriveKeyPair(seed, 2, 1);
    expect(kp.index).toBe(1);
    expect(kp.publicKey).toBe('b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0');
    expect(hex(kp.secretKey)).toBe('0bfdfb4a04e22d7252a4f24eb9d0f35a82efdc244cb0876d919361e61f6f56a2');
  });

  it('v1 key 1 is m/1789\'/1790\'', () => {
    const kp = deriveKeyPair(seed, 1, 1);
    expect(kp.index).toBe(1);
    expect(kp.publicKey).toBe('30ebce58d94ad37c4ff6a9014c955c20e12468da956163228cc7ec9b98d3a371');
    expect(hex(kp.secretKey)).toBe('1bbd4efb460d0bf457251e866697d5d2e9b58c5dcb96a964cd9cfff1a712a2b9');
  });

  it('later keys differ from key 1 and are stable', () => {
    const a = deriveKeyPair(seed, 2, 2);
    expect(a.publicKey).toMatch(/^[0-9a-f]{64}$/);
    expect(a.publicKey).not.toBe(deriveKeyPair(seed, 2, 1).publicKey);
    expect(deriveKeyPair(seed, 2, 2).publicKey).toBe(a.publicKey);
  });

  it('whole chain from the phrase reaches the same keys', () => {
    expect(deriveKeyPair(recoveryPhraseToSeed(MNEMONIC), 2, 1).publicKey).toBe(
      'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0',
    );
  });

  it('rejects path indices that are not 31-bit non-negative integers', () => {
    expect(() => deriveHardenedPath(seed, [2 ** 31])).toThrow(RangeError);
    expect(() => deriveHardenedPath(seed, [-1])).toThrow(RangeError);
    expect(() => deriveHardenedPath(seed, [1.5])).toThrow(RangeError);
    expect(() => deriveHardenedPath(new Uint8Array(8), [])).toThrow(RangeError);
  });
});

describe('keyPath', () => {
  it('lays out v2 and v1 keys', () => {
    expect(keyPath(2, 1)).toEqual([1789, 0, 1]);
    expect(keyPath(2, 7)).toEqual([1789, 0, 7]);
    expect(keyPath(1, 1)).toEqual([1789, 1790]);
    expect(keyPath(1, 7)).toEqual([1789, 1796]);
  });

  it('rejects index 0, negatives, fractions and indices that overflow 31 bits', () => {
    for (const v of [1, 2] as const) {
      expect(() => keyPath(v, 0)).toThrow(RangeError);
      expect(() => keyPath(v, -1)).toThrow(RangeError);
      expect(() => keyPath(v, 1.5)).toThrow(RangeError);
      expect(() => keyPath(v, Number.NaN)).toThrow(RangeError);
    }
    expect(() => keyPath(2, 2 ** 31)).toThrow(RangeError);
    expect(keyPath(2, 2 ** 31 - 1)).toEqual([1789, 0, 2 ** 31 - 1]);
    expect(() => keyPath(1, 2 ** 31 - 1789)).toThrow(RangeError);
    expect(keyPath(1, 2 ** 31 - 1790)).toEqual([1789, 2 ** 31 - 1]);
  });

  it('throws UnsupportedKeyDerivationVersionError for other versions', () => {
    for (const bad of [0, 3, -1, '2', null]) {
      expect(() => keyPath(bad as unknown as KeyDerivationVersion, 1)).toThrow(UnsupportedKeyDerivationVersionError);
    }
    const seed = new Uint8Array(64);
    expect(() => deriveKeyPair(seed, 3 as KeyDerivationVersion, 1)).toThrow(UnsupportedKeyDerivationVersionError);
  });
});

describe('generateRecoveryPhrase', () => {
  it('makes valid 24-word English phrases that differ each time', () => {
    const a = generateRecoveryPhrase();
    const b = generateRecoveryPhrase();
    for (const phrase of [a, b]) {
      const words = phrase.split(' ');
      expect(words).toHaveLength(24);
      expect(words.every((w) => wordlist.includes(w))).toBe(true);
      expect(isValidRecoveryPhrase(phrase)).toBe(true);
      expect(normalizeRecoveryPhrase(phrase)).toBe(phrase);
      expect(recoveryPhraseToSeed(phrase)).toHaveLength(64);
    }
    expect(a).not.toBe(b);
  });
});

describe('phrase validation', () => {
  it('rejects a bad checksum', () => {
    const bad = withBadChecksum(MNEMONIC);
    expect(isValidRecoveryPhrase(bad)).toBe(false);
    expect(() => recoveryPhraseToSeed(bad)).toThrow(InvalidRecoveryPhraseError);
  });

  it('rejects an unknown word', () => {
    const bad = MNEMONIC.replace('swing', 'swingx');
    expect(isValidRecoveryPhrase(bad)).toBe(false);
    expect(() => recoveryPhraseToSeed(bad)).toThrow(InvalidRecoveryPhraseError);
  });

  it('rejects wrong lengths, empty and non-string input', () => {
    const words = MNEMONIC.split(' ');
    expect(isValidRecoveryPhrase(words.slice(0, 23).join(' '))).toBe(false);
    expect(isValidRecoveryPhrase(`${MNEMONIC} abandon`)).toBe(false);
    expect(isValidRecoveryPhrase('')).toBe(false);
    expect(isValidRecoveryPhrase(42 as unknown as string)).toBe(false);
    expect(() => recoveryPhraseToSeed('')).toThrow(InvalidRecoveryPhraseError);
    expect(() => recoveryPhraseToSeed(undefined as unknown as string)).toThrow(InvalidRecoveryPhraseError);
  });

  it('accepts every valid BIP-39 length (12 to 24 words), not only 24', () => {
    // Decision: phrases from other BIP-39 wallets must import; only generation is fixed at 24 words.
    const twelve = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    expect(isValidRecoveryPhrase(twelve)).toBe(true);
    expect(recoveryPhraseToSeed(twelve)).toHaveLength(64);
    for (const bytes of [16, 20, 24, 28, 32]) {
      const phrase = entropyToMnemonic(new Uint8Array(bytes).fill(7), wordlist);
      expect(phrase.split(' ')).toHaveLength((bytes * 8 * 33) / 32 / 11);
      expect(isValidRecoveryPhrase(phrase)).toBe(true);
    }
  });

  it('never puts the phrase or any of its words in the error', () => {
    const bad = withBadChecksum(MNEMONIC);
    let caught: unknown;
    try {
      recoveryPhraseToSeed(bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidRecoveryPhraseError);
    const err = caught as InvalidRecoveryPhraseError;
    const exposed = [err.message, String(err), JSON.stringify(err.details), err.stack ?? ''].join('\n');
    expect(exposed).not.toContain(bad);
    expect(exposed).not.toContain(MNEMONIC);
    // Word by word only in the message: `details` legitimately holds a JSON key named "path", which is also a mnemonic word.
    for (const word of bad.split(' ')) expect(err.message).not.toMatch(new RegExp(`\\b${word}\\b`));
  });
});
