export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
export const LOG_LEVELS = Object.keys(RANK) as LogLevel[];

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Whether lines at `level` are written: lets hot paths skip building fields nobody reads. */
  enabled(level: LogLevel): boolean;
  child(fields: Record<string, unknown>): Logger;
}

/** Field names whose values never reach a log line, at any depth. */
const SECRET_FIELDS = /passphrase|recoveryphrase|mnemonic|secret|privatekey|token|authorization|password|seed/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = SECRET_FIELDS.test(key) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

/** JSON lines on a stream (stderr by default), filtered by level, with secret fields redacted. */
export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l), base: Record<string, unknown> = {}): Logger {
  const emit = (at: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (RANK[at] > RANK[level]) return;
    const record = { time: new Date().toISOString(), level: at, message, ...(redact({ ...base, ...fields }) as object) };
    write(`${JSON.stringify(record)}\n`);
  };
  return {
    error: (m, f) => emit('error', m, f),
    warn: (m, f) => emit('warn', m, f),
    info: (m, f) => emit('info', m, f),
    debug: (m, f) => emit('debug', m, f),
    enabled: (at) => RANK[at] <= RANK[level],
    child: (fields) => createLogger(level, write, { ...base, ...fields }),
  };
}

export const silentLogger: Logger = createLogger('error', () => {});
