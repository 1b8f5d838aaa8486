#!/usr/bin/env node
/**
 * Crash soak: many rounds of "drive the real gateway with wallet changes,
 * SIGKILL it at a random moment, check the database and the restarted
 * gateway against what it had confirmed". The jest test
 * test/integration/crash-safety.test.ts runs a few rounds of the same.
 *
 *   npm run build && node test/soak/crash.mjs
 *
 * Environment:
 *   ROUNDS       kills to make (default 50)
 *   SEED         seed of the random choices, to replay a run (default: random, printed)
 *   IN_FLIGHT    requests kept in flight (default 3)
 *   MAX_WALLETS  wallets alive at most (default 6)
 *   KILL_MS      "min-max" delay before each kill, in ms (default 100-4000)
 *   KEEP=1       keep the data directory even when all is well
 *
 * Exits 1 when any violation is found (the data directory is then kept).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBuild, runCrashRounds } from './lib.mjs';

const int = (value, fallback) => {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${value}`);
  return n;
};

requireBuild();
const rounds = int(process.env.ROUNDS, 50);
const [killMin, killMax] = (process.env.KILL_MS ?? '100-4000').split('-').map((v) => int(v, 0));
const dataDir = mkdtempSync(join(tmpdir(), 'wallet-gateway-crash-soak-'));
const started = Date.now();
console.log(`crash soak: ${rounds} rounds, data directory ${dataDir}`);

let summary;
try {
  summary = await runCrashRounds({
    dataDir,
    rounds,
    ...(process.env.SEED ? { seed: int(process.env.SEED, 0) } : {}),
    inFlight: int(process.env.IN_FLIGHT, 3),
    maxWallets: int(process.env.MAX_WALLETS, 6),
    killAfterMs: [killMin, killMax],
    log: (line) => console.log(line),
  });
} catch (error) {
  console.error(`the soak itself failed: ${error.stack ?? error}`);
  console.error(`data directory kept: ${dataDir}`);
  process.exit(2);
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
const methods = Object.entries(summary.byMethod)
  .map(([method, c]) => `  ${method.padEnd(24)} confirmed ${String(c.confirmed).padStart(4)}  in flight at a kill ${String(c.unknown).padStart(4)}  errors ${c.error}`)
  .join('\n');
console.log(
  [
    '',
    `seed ${summary.seed}`,
    `rounds ${summary.rounds}, kills ${summary.kills}, operations confirmed ${summary.confirmed}, ` +
      `in flight at a kill ${summary.unknown} (of which found applied ${summary.appliedUnanswered}), batches ${summary.batches}, ` +
      `answered with an error ${summary.errors}, decryptions checked ${summary.decryptions}, wallets at the end ${summary.wallets}, ${seconds} s`,
    methods,
    `violations ${summary.violations.length}`,
    ...summary.violations.map((v) => `  ${v}`),
  ].join('\n'),
);
if (summary.violations.length > 0) {
  console.log(`data directory kept: ${dataDir}`);
  process.exit(1);
}
if (process.env.KEEP === '1') console.log(`data directory kept: ${dataDir}`);
else rmSync(dataDir, { recursive: true, force: true });
