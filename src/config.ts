import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ScryptCost } from './domain/wallet/secret-box.js';
import type { LogLevel } from './logger.js';
import { DEFAULT_FAILURE_LIMITS, type FailureLimits } from './rpc/failure-limiter.js';
import { DEFAULT_LIMITS, type TransportLimits } from './transport/http-door.js';

export interface GatewayConfig {
  dataDir: string;
  host: string;
  /** Application door port (session.*); 0 picks a free port. */
  port: number;
  /** Operator door port (admin.*); 0 picks a free port. */
  adminPort: number;
  logLevel: LogLevel;
  limits: TransportLimits;
  maxBatch: number;
  /** Check each result against the spec before sending it. */
  validateResults: boolean;
  /** Seconds an unlocked wallet stays unlocked without use, unless admin.unlock_wallet says otherwise. */
  unlockTimeoutSeconds: number;
  /** Seconds a review waits for a decision before the request ends with -32001. */
  reviewTimeoutSeconds: number;
  /** Seconds of disuse after which a connection token expires. */
  connectionIdleSeconds: number;
  /**
   * The network session methods use. Unset, or "local" without `networkNodes`:
   * a local development node starts in-process and is registered as the
   * network "local".
   */
  network?: string;
  /** With `network`: (re)register it with these node URLs at start. */
  networkNodes?: string[];
  /** Options of the in-process development node. */
  devnet: { blockTimeMs: number; powDifficulty: number; chainId?: string; epochLengthBlocks?: number };
  /** Worker threads for proof of work (default: the machine's cores). */
  powThreads?: number;
  /** How many failed authentication attempts (tokens, passphrases) one address may make per window. */
  failureLimits: FailureLimits;
  /** scrypt cost for newly sealed wallets. Only tests lower it. */
  scryptCost?: ScryptCost;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 1789;
export const DEFAULT_ADMIN_PORT = 1790;
export const DEFAULT_UNLOCK_TIMEOUT_SECONDS = 300;
export const DEFAULT_REVIEW_TIMEOUT_SECONDS = 300;
export const DEFAULT_CONNECTION_IDLE_SECONDS = 3600;
export const LOCAL_NETWORK = 'local';

/**
 * Whether the gateway runs on a development node it starts itself: no network named, or
 * "local" without nodes (the address stored for "local" is that of the last development node,
 * which stopped with its gateway).
 */
export function startsDevelopmentNode(network: string | undefined, nodes: readonly string[] | undefined): boolean {
  return network === undefined || (network === LOCAL_NETWORK && nodes === undefined);
}

/** --data-dir, else WALLET_GATEWAY_HOME, else $XDG_DATA_HOME/wallet-gateway, else ~/.local/share/wallet-gateway. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.WALLET_GATEWAY_HOME) return resolve(env.WALLET_GATEWAY_HOME);
  const base = env.XDG_DATA_HOME ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return resolve(base, 'wallet-gateway');
}

export function defaultConfig(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    dataDir: resolveDataDir(undefined),
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    adminPort: DEFAULT_ADMIN_PORT,
    logLevel: 'info',
    limits: DEFAULT_LIMITS,
    maxBatch: 100,
    validateResults: false,
    unlockTimeoutSeconds: DEFAULT_UNLOCK_TIMEOUT_SECONDS,
    reviewTimeoutSeconds: DEFAULT_REVIEW_TIMEOUT_SECONDS,
    connectionIdleSeconds: DEFAULT_CONNECTION_IDLE_SECONDS,
    devnet: { blockTimeMs: 1000, powDifficulty: 2 },
    failureLimits: DEFAULT_FAILURE_LIMITS,
    ...overrides,
  };
}

export const databasePath = (dataDir: string) => join(dataDir, 'wallet-gateway.db');
export const adminTokenPath = (dataDir: string) => join(dataDir, 'admin.token');
