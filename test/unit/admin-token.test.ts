/** The operator token file and the comparison of presented tokens. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAdminToken, readAdminToken, tokenMatcher } from '../../src/admin-token.js';

const root = mkdtempSync(join(tmpdir(), 'wallet-gateway-token-'));
let counter = 0;
const tokenPath = () => join(root, `admin-${++counter}.token`);
const mode = (path: string) => statSync(path).mode & 0o777;

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ensureAdminToken', () => {
  it('creates a 256-bit base64url token in a file only its owner can read', () => {
    const path = tokenPath();
    const { token, created } = ensureAdminToken(path);
    expect(created).toBe(true);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(mode(path)).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(`${token}\n`);
    expect(readAdminToken(path)).toBe(token);
  });

  it('keeps the token across starts', () => {
    const path = tokenPath();
    const first = ensureAdminToken(path);
    const second = ensureAdminToken(path);
    expect(second).toEqual({ token: first.token, created: false });
    expect(mode(path)).toBe(0o600);
  });

  it('makes a different token for each new file', () => {
    const tokens = new Set([tokenPath(), tokenPath(), tokenPath()].map((path) => ensureAdminToken(path).token));
    expect(tokens.size).toBe(3);
  });

  it('tightens a token file that others could read back to 0600', () => {
    const path = tokenPath();
    const { token } = ensureAdminToken(path);
    chmodSync(path, 0o644);
    expect(ensureAdminToken(path)).toEqual({ token, created: false });
    expect(mode(path)).toBe(0o600);
  });

  it('refuses a token file whose token is too short, and leaves it alone', () => {
    for (const content of ['short\n', '', '\n', `${'a'.repeat(31)}\n`]) {
      const path = tokenPath();
      writeFileSync(path, content, { mode: 0o600 });
      expect(() => ensureAdminToken(path)).toThrow(/too short/);
      expect(readFileSync(path, 'utf8')).toBe(content);
    }
  });
});

describe('tokenMatcher', () => {
  const token = 'Zm9vYmFyYmF6cXV4LXRoaXMtaXMtYS10ZXN0LXRva2Vu_0';
  const matches = tokenMatcher(token);

  it('accepts exactly the token', () => {
    expect(matches(token)).toBe(true);
  });

  it.each([
    ['no token', undefined],
    ['an empty token', ''],
    ['a different token', 'A'.repeat(token.length)],
    ['a prefix of the token', token.slice(0, -1)],
    ['the token with more after it', `${token}x`],
    ['the token in another case', token.toUpperCase()],
    ['the token with a line break', `${token}\n`],
  ])('rejects %s', (_label, candidate) => {
    expect(matches(candidate)).toBe(false);
  });
});
