/**
 * The built command line (bin/wallet-gateway → dist/) as its user meets it:
 * real child processes with stdin an open pipe (not a terminal), a HOME of
 * their own, and output read as it comes. `npm test` builds dist/ first;
 * a test file run alone needs `npx tsc -p tsconfig.build.json` before.
 */
import { expect } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'wallet-gateway');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Outcome extends Exit {
  stdout: string;
  stderr: string;
}

/** A CLI process that is (or was) running. */
export interface Cli {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has ended and all its output has been read. */
  exited: Promise<Exit>;
  /** Sends one answer line. */
  answer(line: string): void;
  /**
   * Waits until the output after what earlier waits matched contains the
   * pattern, and returns that output up to the end of the match; fails with
   * everything printed so far if it does not come in time or the process
   * ends first.
   */
  waitFor(pattern: string | RegExp, ms?: number): Promise<string>;
  /** Like waitFor, but returns the match itself (with its groups). */
  waitForMatch(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
}

/** A long-running command that has printed its banner. */
export interface Launched extends Cli {
  /** The banner's match. */
  banner: RegExpExecArray;
}

/** A `serve` process and what its banner says. */
export interface Served extends Launched {
  dataDir: string;
  applicationUrl: string;
  operatorUrl: string;
  /** Where the operator door's bearer token is. */
  tokenPath: string;
  network: string;
  /** The rest of the network line, e.g. the node list. */
  networkNote: string;
  /** The in-process development node (serve without --network). */
  devnetUrl: string | undefined;
  devnetChainId: string | undefined;
}

/**
 * The banner lines of `serve` the tests read: both doors, the token path, then the network and (without
 * --network) the in-process node. The banner is written at once, after the stop signals are handled.
 */
const SERVE_READY =
  /application door\s+(http:\/\/127\.0\.0\.1:\d+)[^]*operator door\s+(http:\/\/127\.0\.0\.1:\d+)\s.*bearer token in (\S+?)\)[^]*\n {2}network\s+(\S+)([^\n]*)\n(?: {2}devnet\s+(http:\/\/127\.0\.0\.1:\d+)\s+\(chain id (\S+)\)\n)?Stop with Ctrl\+C\.\n/;

/** A pattern that finds the first match anywhere, with no state between calls. */
const searchFor = (pattern: string | RegExp): RegExp =>
  typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));

/** Temporary directories, a HOME and CLI processes of one test file; `cleanup()` in its afterAll ends and removes them. */
export interface CliSandbox {
  /** The HOME of every child: nothing the CLI does can reach the real user's data directory. */
  home: string;
  env(): NodeJS.ProcessEnv;
  /** A new temporary directory, removed by cleanup(). */
  tempDir(): string;
  /**
   * Writes each text, with a final newline, to `<name>.txt` in a new temporary directory, readable by its
   * owner only (0600), the way a user keeps a passphrase for --passphrase-file; returns the paths by name.
   */
  secretFiles<Name extends string>(texts: Record<Name, string>): Record<Name, string>;
  /** Starts the CLI with these arguments. */
  spawn(args: string[]): Cli;
  /**
   * Runs the CLI to completion. stdin is a pipe that is left open: it is not a
   * terminal, and a command that wrongly waits for input hangs and is killed,
   * which fails the test instead of passing it by accident.
   */
  run(args: string[], timeoutMs?: number): Promise<Outcome>;
  /** Starts a long-running command and resolves once its stdout matches `ready`. */
  launch(args: string[], ready: RegExp, ms?: number): Promise<Launched>;
  /** Starts `serve` on ports picked by the OS (then `extra`) and waits until it has printed its banner. */
  startServe(dataDir: string, extra?: string[]): Promise<Served>;
  /** Kills what still runs and removes the temporary directories. */
  cleanup(): void;
}

export interface CliSandboxOptions {
  /** Let Node print its own warnings (NODE_NO_WARNINGS is set otherwise), to check that a command gives none. */
  nodeWarnings?: boolean;
}

export function cliSandbox(prefix: string, options: CliSandboxOptions = {}): CliSandbox {
  const scratch: string[] = [];
  const running = new Set<ChildProcessWithoutNullStreams>();
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    scratch.push(dir);
    return dir;
  };
  const home = tempDir();
  const secretFiles = <Name extends string>(texts: Record<Name, string>): Record<Name, string> => {
    const dir = tempDir();
    const paths = {} as Record<Name, string>;
    for (const name of Object.keys(texts) as Name[]) {
      paths[name] = join(dir, `${name}.txt`);
      writeFileSync(paths[name], `${texts[name]}\n`, { mode: 0o600 });
    }
    return paths;
  };
  const env = (): NodeJS.ProcessEnv => {
    const vars: NodeJS.ProcessEnv = { ...process.env, HOME: home, NODE_NO_WARNINGS: '1' };
    if (options.nodeWarnings) delete vars.NODE_NO_WARNINGS;
    delete vars.WALLET_GATEWAY_HOME;
    delete vars.XDG_DATA_HOME;
    return vars;
  };

  function spawnCli(args: string[]): Cli {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    const command = `wallet-gateway ${args.join(' ')}`;
    let stdout = '';
    let stderr = '';
    let cursor = 0;
    let done = false;
    const changed = new Set<() => void>();
    const notify = () => changed.forEach((listener) => listener());
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      notify();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<Exit>((resolve) =>
      child.on('close', (code, signal) => {
        running.delete(child);
        done = true;
        notify();
        resolve({ code, signal });
      }),
    );
    // Generous: it only matters when the text never comes, and a busy machine can be slow to start a process.
    const until = (pattern: string | RegExp, ms = 10_000): Promise<RegExpExecArray> =>
      new Promise((resolve, reject) => {
        const search = searchFor(pattern);
        const check = () => {
          const match = search.exec(stdout.slice(cursor));
          if (match) {
            cursor += match.index + match[0].length;
            finish();
            resolve(match);
          } else if (done) {
            finish();
            reject(new Error(`${command} ended before printing ${String(pattern)}\nstdout: ${stdout}\nstderr: ${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${command} printed no ${String(pattern)} within ${ms} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, ms);
        const finish = () => {
          clearTimeout(timer);
          changed.delete(check);
        };
        changed.add(check);
        check();
      });
    return {
      child,
      stdout: () => stdout,
      stderr: () => stderr,
      exited,
      answer: (line) => child.stdin.write(`${line}\n`),
      waitForMatch: until,
      async waitFor(pattern, ms) {
        const match = await until(pattern, ms);
        return match.input.slice(0, match.index + match[0].length);
      },
    };
  }

  function run(args: string[], timeoutMs = 10_000): Promise<Outcome> {
    const cli = spawnCli(args);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cli.child.kill('SIGKILL');
        reject(new Error(`wallet-gateway ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`));
      }, timeoutMs);
      cli.child.on('error', reject);
      void cli.exited.then((exit) => {
        clearTimeout(timer);
        resolve({ ...exit, stdout: cli.stdout(), stderr: cli.stderr() });
      });
    });
  }

  async function launch(args: string[], ready: RegExp, ms = 10_000): Promise<Launched> {
    const cli = spawnCli(args);
    const banner = await cli.waitForMatch(ready, ms);
    return { ...cli, banner };
  }

  async function startServe(dataDir: string, extra: string[] = []): Promise<Served> {
    const proc = await launch(['serve', '--data-dir', dataDir, '--port', '0', '--admin-port', '0', ...extra], SERVE_READY);
    const [, applicationUrl, operatorUrl, tokenPath, network, networkNote, devnetUrl, devnetChainId] = proc.banner;
    return {
      ...proc,
      dataDir,
      applicationUrl: applicationUrl!,
      operatorUrl: operatorUrl!,
      tokenPath: tokenPath!,
      network: network!,
      networkNote: networkNote!,
      devnetUrl,
      devnetChainId,
    };
  }

  return {
    home,
    env,
    tempDir,
    secretFiles,
    spawn: spawnCli,
    run,
    launch,
    startServe,
    cleanup() {
      for (const child of running) child.kill('SIGKILL');
      for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fails if the process is not gone within `ms`. */
export function exitWithin(proc: Pick<Cli, 'exited' | 'stdout' | 'stderr'>, ms = 5000): Promise<Exit> {
  return Promise.race([
    proc.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running after ${ms} ms\nstdout: ${proc.stdout()}\nstderr: ${proc.stderr()}`)), ms).unref()),
  ]);
}

/** Sends a signal and returns how the process ended; fails if it ignores the signal for `ms`. */
export async function stop(proc: Pick<Cli, 'child' | 'exited' | 'stdout' | 'stderr'>, signal: NodeJS.Signals, ms = 5000): Promise<Exit> {
  proc.child.kill(signal);
  return exitWithin(proc, ms).catch((error: Error) => {
    throw new Error(`ignored ${signal}: ${error.message}`);
  });
}

/** Fails before anything else when dist/ has not been built (the CLI runs from there). */
export function requireBuild(cliModule: string): void {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', cliModule))) {
    throw new Error(`dist/ is missing or stale (no dist/src/cli/${cliModule}): run \`npx tsc -p tsconfig.build.json\` (npm test does it) before this file`);
  }
}

/** A port on 127.0.0.1 that nothing listens on (taken from the OS, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The text holds no stack frame such as `    at f (file.js:1:2)`: errors reach the user as messages. */
export const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);
