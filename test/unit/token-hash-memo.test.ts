/**
 * A connection's memo of its last token's hash: the hash is worked out again for any token that
 * is not exactly the last one, and only the last one is kept.
 */
import { TokenHashMemo } from '../../src/token-hash-memo.js';

function countingHash() {
  const seen: string[] = [];
  return { seen, hash: (token: string) => (seen.push(token), `hash of ${token}`) };
}

test('the same token again is not hashed again', () => {
  const memo = new TokenHashMemo();
  const { seen, hash } = countingHash();
  expect(memo.hashOf('token-a', hash)).toBe('hash of token-a');
  expect(memo.hashOf('token-a', hash)).toBe('hash of token-a');
  // An equal string built anew (as every request's JSON.parse makes one) is the same token.
  expect(memo.hashOf(['token', 'a'].join('-'), hash)).toBe('hash of token-a');
  expect(seen).toEqual(['token-a']);
});

test('any other token is hashed, and only the last one is kept', () => {
  const memo = new TokenHashMemo();
  const { seen, hash } = countingHash();
  memo.hashOf('token-a', hash);
  expect(memo.hashOf('token-b', hash)).toBe('hash of token-b');
  expect(memo.hashOf('token-a', hash)).toBe('hash of token-a');
  // One character off, at the end or the start, and longer or shorter.
  expect(memo.hashOf('token-A', hash)).toBe('hash of token-A');
  expect(memo.hashOf('Token-A', hash)).toBe('hash of Token-A');
  expect(memo.hashOf('Token-A-', hash)).toBe('hash of Token-A-');
  expect(memo.hashOf('Token-A', hash)).toBe('hash of Token-A');
  expect(memo.hashOf('', hash)).toBe('hash of ');
  expect(seen).toEqual(['token-a', 'token-b', 'token-a', 'token-A', 'Token-A', 'Token-A-', 'Token-A', '']);
});
