/**
 * Crash safety, the short version of test/soak/crash.mjs: the built
 * `wallet-gateway serve` (production scrypt cost) is driven with wallet
 * changes, several in flight, and SIGKILLed at random moments. After each
 * kill the SQLite file must pass its integrity check, hold nothing
 * half-written, and agree with what the gateway had confirmed; the
 * restarted gateway must decrypt every wallet with its confirmed passphrase
 * (either one for a passphrase change that was in flight).
 *
 * Needs dist/ (`npx tsc -p tsconfig.build.json`; npm test builds it).
 * More rounds: `ROUNDS=50 node test/soak/crash.mjs`.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Plain JavaScript shared with the soak script, so both check the very same things.
import { requireBuild, runCrashRounds } from '../soak/lib.mjs';

const ROUNDS = 8;
let dataDir: string;

beforeAll(() => {
  requireBuild();
  dataDir = mkdtempSync(join(tmpdir(), 'wallet-gateway-crash-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

test(`${ROUNDS} SIGKILLs in the middle of wallet changes lose nothing confirmed and leave nothing half-written`, async () => {
  const lines: string[] = [];
  const summary = await runCrashRounds({
    dataDir,
    rounds: ROUNDS,
    inFlight: 3,
    maxWallets: 4,
    killAfterMs: [250, 1800],
    log: (line: string) => lines.push(line),
  });
  // On failure, the round log (with the seed to replay it) comes with the violations.
  const report = [`seed ${summary.seed}`, ...lines].join('\n');
  expect({ violations: summary.violations, report }).toEqual({ violations: [], report });
  expect(summary.kills).toBe(ROUNDS);
  expect(summary.rounds).toBe(ROUNDS);
  // The rounds did exercise both sides: answered changes, and changes cut off by a kill.
  expect(summary.confirmed).toBeGreaterThan(0);
  expect(summary.unknown).toBeGreaterThan(0);
  expect(summary.decryptions).toBeGreaterThan(0);
}, 90_000);
