/**
 * npm run bench (which builds dist/ first): the performance benchmarks of issue 7.
 *
 * Every figure is a ratio against a baseline measured in the same run, in
 * turns with the gateway, because the machines this runs on are shared and
 * noisy. Prints one table and records it, with the date, the machine and the
 * command, in bench/RESULTS.md (between the bench:table markers; the rest of
 * that file is written by hand) and as JSON in bench/results/latest.json.
 *
 * Environment:
 *   BENCH_ONLY=rpc,sign,pow,growth   run only these sections
 *   BENCH_ROUNDS=N                   rounds per comparison (default 3)
 *   BENCH_SECONDS=S                  seconds per load run (default 2.5)
 *   BENCH_PROF=DIR                   start the gateways with --cpu-prof into DIR
 *   BENCH_NO_RECORD=1                print only, leave RESULTS.md alone
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH, closeAgent, fmt, machine, requireBuild, table } from './lib/common.mjs';
import { runGrowth } from './sections/growth.mjs';
import { runPow } from './sections/pow.mjs';
import { runRpcThroughput } from './sections/rpc-throughput.mjs';
import { runSign } from './sections/sign.mjs';

requireBuild();
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 2.5);
const log = (line) => console.log(line);
const started = new Date();
const machineAtStart = machine();
log(`wallet-gateway benchmarks, ${started.toISOString()}: ${machineAtStart.nproc} cores (${machineAtStart.cpu}), node ${machineAtStart.node}, load average ${machineAtStart.load}`);

const sections = [
  ['rpc', '1-2 JSON-RPC over HTTP and WebSocket', () => runRpcThroughput({ rounds, seconds, wsSeconds: Math.min(seconds, 2), log })],
  ['sign', '3 signing', () => runSign({ rounds, seconds, log })],
  ['pow', '4 proof of work', () => runPow({ rounds, seconds: 2, log })],
  ['growth', '5 growth and memory', () => runGrowth({ rounds: Math.max(2, rounds - 1), seconds: 2, log })],
];
const rows = [];
for (const [key, title, run] of sections) {
  if (only && !only.has(key)) continue;
  log(`\n== ${title}`);
  const t = performance.now();
  try {
    rows.push(...(await run()));
  } catch (error) {
    rows.push({ section: title.split(' ')[0], name: `${title}: FAILED`, text: String(error?.message ?? error).split('\n')[0] });
    console.error(error);
  }
  log(`   (${((performance.now() - t) / 1000).toFixed(0)} s)`);
}
closeAgent();

function value(x, unit) {
  if (!Number.isFinite(x)) return 'n/a';
  switch (unit) {
    case 'rps':
      return `${fmt.int(x)} req/s`;
    case 'sig/s':
      return `${fmt.int(x)}/s`;
    case 'nonces/s':
      return `${(x / 1e6).toFixed(2)} M/s`;
    case 'ms':
      return fmt.ms(x);
    case 's':
      return `${x.toFixed(2)} s`;
    case 'bytes':
      return fmt.kib(x);
    default:
      return String(x);
  }
}

const verdict = (r) => {
  if (r.target === undefined || !Number.isFinite(r.ratio)) return '';
  const ok = r.lowerIsBetter ? r.ratio <= r.target : r.ratio >= r.target;
  return ok ? 'ok' : 'MISS';
};
/** The ratio to two decimals, or three where two would round a miss onto its line (0.797× shown as 0.80× beside MISS). */
const ratioText = (r) => {
  const two = fmt.ratio(r.ratio);
  return verdict(r) === 'MISS' && Number(r.ratio.toFixed(2)) === r.target ? `${r.ratio.toFixed(3)}×` : two;
};
const body = rows.map((r) =>
  r.text !== undefined
    ? [r.section, r.name, r.text, '', '', '', '']
    : [r.section, r.note ? `${r.name}: ${r.note}` : r.name, value(r.gateway, r.unit), value(r.baseline, r.unit), ratioText(r), r.target === undefined ? '' : `${r.lowerIsBetter ? '≤' : '≥'} ${r.target}×`, verdict(r)],
);
const rendered = table(['#', 'measure', 'gateway', 'baseline', 'ratio', 'target', 'result'], body);
const machineAtEnd = machine();
const minutes = ((Date.now() - started.getTime()) / 60000).toFixed(1);
console.log(`\n${rendered}\n\n(${minutes} min; load average at the end ${machineAtEnd.load})`);

if (!process.env.BENCH_NO_RECORD) {
  mkdirSync(join(BENCH, 'results'), { recursive: true });
  writeFileSync(join(BENCH, 'results', 'latest.json'), `${JSON.stringify({ started: started.toISOString(), machine: machineAtStart, loadAtEnd: machineAtEnd.load, rounds, seconds, only: only ? [...only] : null, rows }, null, 2)}\n`);
  const command = `${process.env.BENCH_ONLY ? `BENCH_ONLY=${process.env.BENCH_ONLY} ` : ''}npm run bench`;
  const block = [
    '<!-- bench:table:start (written by bench/run.mjs) -->',
    `Date: ${started.toISOString()} (${minutes} min)  `,
    `Machine: \`nproc\` = ${machineAtStart.nproc}, ${machineAtStart.cpu}, ${machineAtStart.memoryGiB} GiB, node ${machineAtStart.node}; load average ${machineAtStart.load} at the start, ${machineAtEnd.load} at the end (shared machine)  `,
    `Command: \`${command}\`${rounds !== 3 || seconds !== 2.5 ? ` (BENCH_ROUNDS=${rounds}, BENCH_SECONDS=${seconds})` : ''}`,
    '',
    rendered,
    '<!-- bench:table:end -->',
  ].join('\n');
  const path = join(BENCH, 'RESULTS.md');
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n\n';
  const marked = /<!-- bench:table:start[^]*?<!-- bench:table:end -->/;
  writeFileSync(path, marked.test(current) ? current.replace(marked, () => block) : `${current.trimEnd()}\n\n${block}\n`);
  console.log(`recorded in ${path}`);
}
process.exit(0);
