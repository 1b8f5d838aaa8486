import type { AccessMode, AuditOutcome, Policy, ReviewKind } from '../../generated/types.js';
import type { Awaitable } from '../awaitable.js';
import type { KdfParams } from '../domain/wallet/secret-box.js';
import type { KeyDerivationVersion } from '../domain/wallet/hd.js';

/** A wallet as stored: public facts in clear, secrets only inside `secret`. */
export interface WalletRecord {
  name: string;
  /** Public key of m/1789' (hex). */
  walletId: string;
  keyDerivationVersion: KeyDerivationVersion;
  kdf: KdfParams;
  /** The sealed secret: nonce || ciphertext || tag. */
  secret: Uint8Array;
  createdAt: string;
}

export interface MetadataEntry {
  key: string;
  value: string;
}

export interface KeyRecord {
  index: number;
  publicKey: string;
  name: string;
  metadata: MetadataEntry[];
  tainted: boolean;
}

/**
 * Wallet persistence. Async so that a networked store (Postgres) fits the
 * same interface as the embedded SQLite one. The reads behind every session
 * call (marked Awaitable) may answer without a promise, from memory.
 */
export interface WalletStore {
  /** Inserts a wallet with its first keys atomically; throws WalletAlreadyExistsError on a taken name. */
  insertWallet(wallet: WalletRecord, keys: KeyRecord[]): Promise<void>;
  findWallet(name: string): Promise<WalletRecord | undefined>;
  walletExists(name: string): Promise<boolean>;
  /**
   * At most `limit` names (every one when omitted) greater than `after` (from the
   * first when omitted), in code-point order. `after` is a bound and need not
   * exist. Cost follows the rows returned, not the number of wallets.
   */
  listWalletNames(after?: string, limit?: number): Promise<string[]>;
  /** Deletes the wallet and everything attached to it; false when there was none. */
  removeWallet(name: string): Promise<boolean>;
  listKeys(walletName: string): Promise<KeyRecord[]>;
  /**
   * The public keys of the wallet's untainted keys, in index order: what session.list_keys shows
   * (without building whole records). A store that keeps the list between calls hands it out frozen.
   */
  listUntaintedPublicKeys(walletName: string): Awaitable<readonly string[]>;
  countKeys(walletName: string): Promise<number>;
  findKey(walletName: string, publicKey: string): Promise<KeyRecord | undefined>;
  /**
   * Adds the key at the next free index, in one transaction so that two
   * callers never get the same index. `make` derives the key for that index.
   */
  insertNextKey(walletName: string, make: (index: number) => KeyRecord): Promise<KeyRecord>;
  /** Changes a key's name, metadata or taint; false when the key does not exist. */
  updateKey(walletName: string, publicKey: string, changes: Partial<Pick<KeyRecord, 'name' | 'metadata' | 'tainted'>>): Promise<boolean>;
  /** Throws WalletAlreadyExistsError when `to` is taken; false when `from` does not exist. */
  renameWallet(from: string, to: string): Promise<boolean>;
  /**
   * Replaces the sealed secret and its KDF parameters in one write, only if
   * the stored secret is still `expected` (compare-and-swap); false otherwise.
   */
  replaceSecret(walletName: string, expected: Uint8Array, kdf: WalletRecord['kdf'], secret: Uint8Array): Promise<boolean>;
}

/** An application's connection to a wallet; the token itself is never stored, only its hash. */
export interface ConnectionRecord {
  wallet: string;
  hostname: string;
  tokenHash: string;
  connectedAt: string;
  lastUsedAt: string;
}

/** What an application may do with a wallet; kept across connections. */
export interface PermissionRecord {
  wallet: string;
  hostname: string;
  publicKeys: AccessMode;
  /** The only keys it may see; null for all untainted keys. */
  keys: readonly string[] | null;
}

export interface ApiTokenRecord {
  id: string;
  wallet: string;
  description: string;
  tokenHash: string;
  keys: readonly string[] | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

/** Connections, permissions and API tokens; async as WalletStore, with the same Awaitable hot reads. */
export interface SessionStore {
  /** Stores the connection, ending any previous one of the same wallet and host, in one transaction. */
  replaceConnection(connection: ConnectionRecord): Promise<void>;
  findConnection(tokenHash: string): Promise<ConnectionRecord | undefined>;
  /** findConnection and findPermissions of its wallet and host, read together (one statement on the hot path). */
  findConnectionWithPermissions(tokenHash: string): Awaitable<{ connection: ConnectionRecord; permissions: PermissionRecord | undefined } | undefined>;
  touchConnection(tokenHash: string, at: string): Promise<void>;
  deleteConnectionByToken(tokenHash: string): Promise<boolean>;
  deleteConnection(wallet: string, hostname: string): Promise<boolean>;
  /** Connections unused since `before` end. */
  deleteIdleConnections(before: string): Promise<number>;
  listConnections(): Promise<ConnectionRecord[]>;

  findPermissions(wallet: string, hostname: string): Promise<PermissionRecord | undefined>;
  setPermissions(permissions: PermissionRecord): Promise<void>;
  deletePermissions(wallet: string, hostname: string): Promise<boolean>;
  listPermissions(wallet: string): Promise<PermissionRecord[]>;

  insertApiToken(token: ApiTokenRecord): Promise<void>;
  findApiToken(tokenHash: string): Awaitable<ApiTokenRecord | undefined>;
  touchApiToken(id: string, at: string): Promise<void>;
  listApiTokens(): Promise<ApiTokenRecord[]>;
  deleteApiToken(id: string): Promise<boolean>;
}

export interface PolicyStore {
  getPolicy(): Promise<Policy | undefined>;
  setPolicy(policy: Policy): Promise<void>;
}

export interface AuditEventRecord {
  id: number;
  at: string;
  reviewId: string;
  kind: ReviewKind;
  hostname: string;
  wallet: string | null;
  outcome: AuditOutcome;
  decidedBy: string;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  wallet?: string;
  hostname?: string;
  kind?: ReviewKind;
  outcome?: AuditOutcome;
  since?: string;
  limit: number;
}

export interface AuditStore {
  appendAuditEvent(event: Omit<AuditEventRecord, 'id'>): Promise<AuditEventRecord>;
  /** Newest first. */
  listAuditEvents(filter: AuditFilter): Promise<AuditEventRecord[]>;
}

export interface NetworkRecord {
  name: string;
  nodes: string[];
}

export interface NetworkStore {
  listNetworks(): Promise<NetworkRecord[]>;
  findNetwork(name: string): Promise<NetworkRecord | undefined>;
  /** Throws NetworkAlreadyExistsError on a taken name. */
  insertNetwork(network: NetworkRecord): Promise<void>;
  /** Creates or replaces. */
  upsertNetwork(network: NetworkRecord): Promise<void>;
  updateNetwork(network: NetworkRecord): Promise<boolean>;
  removeNetwork(name: string): Promise<boolean>;
}

export interface Store {
  readonly wallets: WalletStore;
  readonly networks: NetworkStore;
  readonly sessions: SessionStore;
  readonly policies: PolicyStore;
  readonly audit: AuditStore;
  close(): Promise<void>;
}
