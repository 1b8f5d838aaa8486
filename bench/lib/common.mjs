/**
 * Shared pieces of the benchmark harness: child processes with an IPC
 * channel, a keep-alive JSON-RPC client, statistics, the machine's
 * description and the table printer.
 *
 * Everything measured runs in child processes; the process that runs this
 * file only coordinates, so that on a 2-core machine the server under test
 * and the load generator each get a core.
 */
import { execFileSync, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH = join(ROOT, 'bench');
export const DIST = join(ROOT, 'dist');

export function requireBuild() {
  if (!existsSync(join(DIST, 'src', 'gateway.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- child processes --------------------------------------------------------------------------

/** Extra node flags for server children, e.g. BENCH_PROF=dir adds --cpu-prof into that directory. */
function serverExecArgv(name) {
  const dir = process.env.BENCH_PROF;
  if (!dir) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`];
}

/**
 * Forks `script` with an IPC channel and waits for its first message, which
 * must be { type: 'ready', ... }. Returns that message plus helpers to ask the
 * child things (`ask`) and to stop it.
 */
export function startChild(script, args = [], { execArgv = [], name = 'child', profile = false, timeoutMs = 60_000, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, {
      cwd: ROOT,
      execArgv: [...execArgv, ...(profile ? serverExecArgv(name) : [])],
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-10_000);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}, signal ${signal}) before it was ready\n${stderr}`));
    };
    child.once('exit', onExit);
    let nextId = 1;
    const waiting = new Map();
    child.on('message', (message) => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        child.off('exit', onExit);
        const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
        resolve({
          ...message,
          child,
          stderr: () => stderr,
          /** Sends { type, ...payload } and resolves with the child's reply carrying the same id. */
          ask(type, payload = {}) {
            const id = nextId++;
            return new Promise((done, fail) => {
              waiting.set(id, { done, fail });
              child.send({ type, id, ...payload });
            });
          },
          async stop() {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.send({ type: 'stop' });
            const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
            await exited;
            clearTimeout(t);
          },
        });
        return;
      }
      const w = message && waiting.get(message.id);
      if (w) {
        waiting.delete(message.id);
        if (message.error) w.fail(new Error(message.error));
        else w.done(message);
      }
    });
  });
}

/** How many answers of a load's result failed: transport errors, unexpected answers, non-2xx statuses. */
export const failures = (r) => (r.errors ?? 0) + (r.mismatches ?? 0) + (r.non2xx ?? 0);

/**
 * Runs a load-generator script in a child process and resolves with the JSON it sends back.
 * With `server` (a started child), the server's CPU time over the measured window is
 * added as `cpuUsPerRequest`: the load child marks the window's start and end.
 */
export async function runLoad(script, options, { timeoutMs = 120_000, server } = {}) {
  const marks = {};
  const result = await runLoadChild(script, options, timeoutMs, (mark) => {
    if (server) marks[mark] = server.ask('cpu').then((m) => m.cpu.user + m.cpu.system);
  });
  if (server && marks.start && marks.end) {
    const [start, end] = await Promise.all([marks.start, marks.end]);
    result.cpuUsPerRequest = (end - start) / result.requests;
  }
  return result;
}

/**
 * The options of a load child, from its argv[2]: JSON, or `@file` holding
 * the JSON when it was too long for one argument (Linux caps one at 128 KiB).
 */
export function loadOptions() {
  const arg = process.argv[2];
  return JSON.parse(arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg);
}

function optionsArgument(options) {
  const json = JSON.stringify(options);
  if (json.length < 64 * 1024) return json;
  const file = join(mkdtempSync(join(os.tmpdir(), 'wallet-gateway-load-')), 'options.json');
  writeFileSync(file, json);
  return `@${file}`;
}

function runLoadChild(script, options, timeoutMs, onMark) {
  return new Promise((resolve, reject) => {
    const child = fork(script, [optionsArgument(options)], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-10_000);
    });
    let result;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('message', (message) => {
      if (message?.mark) onMark(message.mark);
      else result = message;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (result && !result.error) resolve(result);
      else reject(new Error(`${script} failed (code ${code}): ${result?.error ?? ''}\n${stderr}`));
    });
  });
}

// ---- JSON-RPC over HTTP keep-alive -------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs one body and resolves with { status, text, body }. */
export function post(url, body, headers = {}) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode, text, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

let rpcId = 0;
/** Calls a method and returns its result; throws on a JSON-RPC error. */
export async function call(url, method, params = {}, token) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const reply = await post(url, { jsonrpc: '2.0', id: ++rpcId, method, params }, headers);
  if (!reply.body || reply.body.error || reply.body.result === undefined) {
    throw new Error(`${method} failed: HTTP ${reply.status} ${reply.text.slice(0, 300)}`);
  }
  return reply.body.result;
}

export function closeAgent() {
  agent.destroy();
}

// ---- statistics ---------------------------------------------------------------------------------

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** The q-quantile (0..1) of an array of numbers, nearest rank. */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const v = Float64Array.from(values).sort();
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))];
}

// ---- the machine ---------------------------------------------------------------------------------

export function machine() {
  let cpu = 'unknown';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux
  }
  let nproc = os.availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // no coreutils
  }
  return { nproc, cpu, node: process.version, load: os.loadavg().map((x) => x.toFixed(2)).join(' '), memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1) };
}

// ---- output ---------------------------------------------------------------------------------------

export const fmt = {
  int: (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a'),
  ms: (x) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms` : 'n/a'),
  ratio: (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a'),
  kib: (x) => (Number.isFinite(x) ? `${(x / 1024).toFixed(1)} KiB` : 'n/a'),
  mib: (x) => (Number.isFinite(x) ? `${(x / 2 ** 20).toFixed(1)} MiB` : 'n/a'),
};

/** A Markdown table (which also reads well in a terminal). */
export function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}
