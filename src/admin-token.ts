import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, openSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs';

/**
 * The operator door's bearer token: 256 random bits, written once at first
 * start to a file only its owner can read. Returns the token.
 */
export function ensureAdminToken(path: string): { token: string; created: boolean } {
  try {
    const fd = openSync(path, 'wx', 0o600);
    const token = randomBytes(32).toString('base64url');
    try {
      writeSync(fd, `${token}\n`);
    } finally {
      closeSync(fd);
    }
    return { token, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // Someone may have loosened the mode since; tighten it again.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < 32) throw new Error(`the operator token in ${path} is too short; delete the file to make a new one`);
  return { token, created: false };
}

export function readAdminToken(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

/** Compares in constant time; hashing first makes the lengths equal without revealing the real one. */
export function tokenMatcher(expected: string): (candidate: string | undefined) => boolean {
  const want = createHash('sha256').update(expected).digest();
  return (candidate) => {
    if (candidate === undefined) return false;
    const got = createHash('sha256').update(candidate).digest();
    return timingSafeEqual(want, got);
  };
}
