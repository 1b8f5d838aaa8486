import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';

/**
 * The operator door's bearer token: 256 random bits, written once at first
 * start to a file only its owner can read. Returns the token.
 */
export function ensureAdminToken(path: string): { token: string; created: boolean } {
  // Written whole to a private file, flushed, then linked into place: a crash at any moment
  // leaves either no token file or a complete one, never an empty one.
  const token = randomBytes(32).toString('base64url');
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(draft, 'wx', 0o600);
  try {
    writeSync(fd, `${token}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(draft, path);
    return { token, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
  // Someone may have loosened the mode since; tighten it again.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const existing = readFileSync(path, 'utf8').trim();
  if (existing.length < 32) throw new Error(`the operator token in ${path} is too short; delete the file to make a new one`);
  return { token: existing, created: false };
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
