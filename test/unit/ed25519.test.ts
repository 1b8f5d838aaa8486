import { describe, expect, it } from '@jest/globals';
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { signMessage, transactionSigningMessage, verifyMessage } from '../../src/domain/crypto/ed25519.js';
import { deriveHardenedPath, publicKeyFromSeed } from '../../src/domain/wallet/hd.js';

// noble's synchronous API needs a SHA-512 implementation plugged in.
ed.hashes.sha512 = sha512;

const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const sha3 = (m: Uint8Array): Uint8Array => Uint8Array.from(createHash('sha3-256').update(m).digest());

// Keys of the §5.1 test mnemonic.
const V2_KEY1 = {
  secret: fromHex('0bfdfb4a04e22d7252a4f24eb9d0f35a82efdc244cb0876d919361e61f6f56a2'),
  pub: fromHex('b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0'),
};
const V1_KEY1 = {
  secret: fromHex('1bbd4efb460d0bf457251e866697d5d2e9b58c5dcb96a964cd9cfff1a712a2b9'),
  pub: fromHex('30ebce58d94ad37c4ff6a9014c955c20e12468da956163228cc7ec9b98d3a371'),
};

// The §5.2 table says only "same" for the message of its first rows. It is the
// message of the upstream Go wallet tests those signatures come from; checked by
// reproducing the vectors (the signature over "hello world" is different).
const MESSAGE = utf8("Je ne connaîtrai pas la peur car la peur tue l'esprit.");
const HELLO = utf8('hello world');

// vega-facts.md §5.2
const SIG_V2_HEX =
  '4ad1fcd911f18d0df24de692376e5beac2700322e2ab5083bcf59fd17e0a21ffd64c88e4ba79162a7d46abd9ed0a81817c1648c8d7e93ed1b1d13499b12adb08';
const SIG_V2_BASE64 = 'StH82RHxjQ3yTeaSN25b6sJwAyLiq1CDvPWf0X4KIf/WTIjkunkWKn1Gq9ntCoGBfBZIyNfpPtGx0TSZsSrbCA==';
const SIG_V2_CHAIN_HEX =
  'd1c497702086b54f98821e6cbbd9b3f3390d9531b10a23dabf155f9b5a7f371b8e49210d21ef3a399700c6d407ec50edcf4cc3cefe1657213e479d32bbaa520f';
const NEG_V1_PLAIN_HEX =
  '8d2758c34d500c1b85eb912647cb636bd7fd0490610385c697e9578cc5d13f82d7ec2acd97a72a948ff90676ee97e9dd44d493a0b3b35fc499c49fa87c53f702';
const NEG_V2_PLAIN_HEX =
  '985b587ff7ccfba2145e627188302a6f9c088f28f06a7280e407cf45194963d070524a840693e887d0917b6ad6be933a57f4e9d24826423f942dc56adb4da106';
const DOTS_PUB_HEX = '6d022133999de027df7d91f54aa98a6f86dff59ac1b1937c508c148bc7e0cabc';
const DOTS_SIG_HEX =
  'add3d1d105b59b51e258eb8d9a876288167d5b8aabe2577e81e9a67ce46a248b9d49da88d3cd73ceb9835c44d74ca28f081cf984c89f52ace33bca65ccf64e0c';
const DOTS_CHAIN_SIG_HEX =
  '27027b048ee97510e6e1fc5ea32b57f544503176787fa4fcd90876bb19fa19202b4c3f7f96c637252136cef48b701a474c477f0980cc604a397ca4ced010a109';

/** Every signature we make must match an independent implementation and verify there over the SHA3 digest. */
function crossCheck(secret: Uint8Array, pub: Uint8Array, message: Uint8Array, signature: Uint8Array): void {
  const digest = sha3(message);
  expect(hex(ed.getPublicKey(secret))).toBe(hex(pub));
  expect(hex(ed.sign(digest, secret))).toBe(hex(signature));
  expect(ed.verify(signature, digest, pub)).toBe(true);
  expect(ed.verify(signature, message, pub)).toBe(false);
}

describe('signMessage / verifyMessage (vega-facts §5.2)', () => {
  it('v2 key 1 reproduces the published signature, hex and base64', () => {
    const sig = signMessage(V2_KEY1.secret, MESSAGE);
    expect(sig).toBeInstanceOf(Uint8Array);
    expect(sig).toHaveLength(64);
    expect(hex(sig)).toBe(SIG_V2_HEX);
    expect(Buffer.from(sig).toString('base64')).toBe(SIG_V2_BASE64);
    expect(verifyMessage(V2_KEY1.pub, MESSAGE, sig)).toBe(true);
    expect(verifyMessage(V2_KEY1.pub, MESSAGE, Uint8Array.from(Buffer.from(SIG_V2_BASE64, 'base64')))).toBe(true);
    crossCheck(V2_KEY1.secret, V2_KEY1.pub, MESSAGE, sig);
  });

  it('v2 key 1 with chain id mainnet-v1 reproduces the published signature', () => {
    const msg = transactionSigningMessage('mainnet-v1', HELLO);
    expect(hex(msg)).toBe(hex(utf8('mainnet-v1')) + '00' + hex(HELLO));
    const sig = signMessage(V2_KEY1.secret, msg);
    expect(hex(sig)).toBe(SIG_V2_CHAIN_HEX);
    expect(verifyMessage(V2_KEY1.pub, msg, sig)).toBe(true);
    expect(verifyMessage(V2_KEY1.pub, HELLO, sig)).toBe(false);
    crossCheck(V2_KEY1.secret, V2_KEY1.pub, msg, sig);
  });

  it('negative rows: plain Ed25519 without SHA3 differs from ours and does not verify', () => {
    for (const [key, negative] of [
      [V1_KEY1, NEG_V1_PLAIN_HEX],
      [V2_KEY1, NEG_V2_PLAIN_HEX],
    ] as const) {
      // The negative vectors are what plain Ed25519 over the raw message gives.
      expect(hex(ed.sign(MESSAGE, key.secret))).toBe(negative);
      const ours = signMessage(key.secret, MESSAGE);
      expect(hex(ours)).not.toBe(negative);
      expect(verifyMessage(key.pub, MESSAGE, fromHex(negative))).toBe(false);
      expect(verifyMessage(key.pub, MESSAGE, ours)).toBe(true);
      crossCheck(key.secret, key.pub, MESSAGE, ours);
    }
  });

  it('js-crypto vectors for m/1789\'/0\'/0\' of the unchecked mnemonic "..."', () => {
    // js-crypto derives this seed with plain PBKDF2 and no word-list check, so do the same here.
    const seed = Uint8Array.from(pbkdf2Sync('...', 'mnemonic', 2048, 64, 'sha512'));
    const { key } = deriveHardenedPath(seed, [1789, 0, 0]);
    const pub = publicKeyFromSeed(key);
    expect(hex(pub)).toBe(DOTS_PUB_HEX);

    const sig = signMessage(key, HELLO);
    expect(hex(sig)).toBe(DOTS_SIG_HEX);
    expect(verifyMessage(pub, HELLO, sig)).toBe(true);
    crossCheck(key, pub, HELLO, sig);

    const chainMsg = transactionSigningMessage('mainnet-v1', HELLO);
    const chainSig = signMessage(key, chainMsg);
    expect(hex(chainSig)).toBe(DOTS_CHAIN_SIG_HEX);
    expect(verifyMessage(pub, chainMsg, chainSig)).toBe(true);
    crossCheck(key, pub, chainMsg, chainSig);
  });

  it('agrees with noble on random keys and messages, including the empty message', () => {
    for (const length of [0, 1, 32, 1000]) {
      const secret = Uint8Array.from(randomBytes(32));
      const pub = ed.getPublicKey(secret);
      const message = Uint8Array.from(randomBytes(length));
      const sig = signMessage(secret, message);
      expect(verifyMessage(pub, message, sig)).toBe(true);
      crossCheck(secret, pub, message, sig);
    }
  });

  it('rejects tampered message, signature and public key', () => {
    const sig = signMessage(V2_KEY1.secret, MESSAGE);

    const badMsg = MESSAGE.slice();
    badMsg[0] = (badMsg[0] ?? 0) ^ 1;
    expect(verifyMessage(V2_KEY1.pub, badMsg, sig)).toBe(false);

    for (const i of [0, 31, 32, 63]) {
      const badSig = sig.slice();
      badSig[i] = (badSig[i] ?? 0) ^ 0x01;
      expect(verifyMessage(V2_KEY1.pub, MESSAGE, badSig)).toBe(false);
    }

    expect(verifyMessage(V1_KEY1.pub, MESSAGE, sig)).toBe(false);
    const badPub = V2_KEY1.pub.slice();
    badPub[5] = (badPub[5] ?? 0) ^ 0x10;
    expect(verifyMessage(badPub, MESSAGE, sig)).toBe(false);
  });

  it('returns false, never throws, for wrong lengths and non-byte input', () => {
    const sig = signMessage(V2_KEY1.secret, MESSAGE);
    expect(verifyMessage(V2_KEY1.pub, MESSAGE, sig.subarray(0, 63))).toBe(false);
    expect(verifyMessage(V2_KEY1.pub, MESSAGE, new Uint8Array([...sig, 0]))).toBe(false);
    expect(verifyMessage(V2_KEY1.pub.subarray(0, 31), MESSAGE, sig)).toBe(false);
    expect(verifyMessage(new Uint8Array(33), MESSAGE, sig)).toBe(false);
    expect(verifyMessage(new Uint8Array(0), MESSAGE, new Uint8Array(0))).toBe(false);
    expect(verifyMessage(new Uint8Array(32).fill(0xff), MESSAGE, sig)).toBe(false);
    expect(verifyMessage(V2_KEY1.pub, MESSAGE, new Uint8Array(64).fill(0xff))).toBe(false);
    expect(verifyMessage('nope' as unknown as Uint8Array, MESSAGE, sig)).toBe(false);
    expect(verifyMessage(V2_KEY1.pub, null as unknown as Uint8Array, sig)).toBe(false);
  });

  it('refuses secret keys that are not 32 bytes without echoing them', () => {
    const secret64 = new Uint8Array([...V2_KEY1.secret, ...V2_KEY1.pub]);
    expect(() => signMessage(secret64, MESSAGE)).toThrow(RangeError);
    expect(() => signMessage(new Uint8Array(31), MESSAGE)).toThrow(RangeError);
    try {
      signMessage(secret64, MESSAGE);
    } catch (e) {
      expect((e as Error).message).not.toContain(hex(V2_KEY1.secret));
    }
  });
});

describe('transactionSigningMessage', () => {
  it('is UTF-8(chainId) || 0x00 || inputData', () => {
    const input = fromHex('0801');
    expect(hex(transactionSigningMessage('test-chain-Thz9c6', input))).toBe(
      '746573742d636861696e2d54687a396336' + '00' + '0801',
    );
    expect(hex(transactionSigningMessage('é', new Uint8Array(0)))).toBe('c3a900');
  });

  it('reproduces the self-made E2E-1 vector of vega-facts §5.5 (signing message, digest, signature)', () => {
    const inputData = fromHex(
      '0887ada29f97b28bf1f0011087ad4bf23e440a40366638313133373261633038313634326261303064303164376464386664356461313335363866653032643136376264653162633930643233356664326235351002',
    );
    const msg = transactionSigningMessage('test-chain-Thz9c6', inputData);
    expect(hex(msg)).toBe(
      '746573742d636861696e2d54687a396336000887ada29f97b28bf1f0011087ad4bf23e440a40366638313133373261633038313634326261303064303164376464386664356461313335363866653032643136376264653162633930643233356664326235351002',
    );
    expect(hex(sha3(msg))).toBe('a2b45757d88f7f3817bc6627fd010e9d3a5280116f06a631d7c6c24167e799e3');
    const sig = signMessage(V2_KEY1.secret, msg);
    expect(hex(sig)).toBe(
      'd0eb07ea4a49e8997dc11370861e2bd92a75c90d722889c774e4ab26b390bd140af38e037fa1faa9768428f31a15cb7f91a56cdf4e649d1731df56d0bb74de06',
    );
    crossCheck(V2_KEY1.secret, V2_KEY1.pub, msg, sig);
  });

  it('refuses chain ids that would make the separator ambiguous', () => {
    expect(() => transactionSigningMessage('', HELLO)).toThrow(TypeError);
    expect(() => transactionSigningMessage('a\0b', HELLO)).toThrow(TypeError);
  });
});
