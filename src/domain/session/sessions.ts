import { hash, randomBytes } from 'node:crypto';
import type { AccessMode } from '../../../generated/types.js';
import { then, type Awaitable } from '../../awaitable.js';
import { sameString } from '../../constant-time.js';
import type { TokenHashMemo } from '../../token-hash-memo.js';
import type { ApiTokenRecord, ConnectionRecord, PermissionRecord, SessionStore, WalletStore } from '../../store/store.js';
import {
  ApiTokenNotFoundError,
  AuthenticationError,
  FixedPermissionsError,
  KeyNotFoundError,
  PermissionDeniedError,
  WalletNotFoundError,
  unknownTokenError,
} from '../errors.js';
import type { ReviewService } from '../review/review-service.js';

export interface Permissions {
  public_keys: AccessMode;
}

/** Who is calling, once its token checked out. */
export interface Session {
  type: 'connection' | 'api';
  wallet: string;
  /** The connection's host; null for an API token. */
  hostname: string | null;
  permissions: Permissions;
  /** The only keys this session may see and use; null for all untainted keys. */
  keys: readonly string[] | null;
  /** For a connection: its token's hash. For an API token: its id. */
  handle: string;
}

export interface SessionsOptions {
  /** A connection unused for this long ends. */
  connectionIdleMs: number;
  now?: () => Date;
}

const NO_PERMISSIONS: Permissions = { public_keys: 'none' };

/** 256 bits from the CSPRNG, in URL-safe base64 (43 characters). */
export const newToken = () => randomBytes(32).toString('base64url');
export const hashToken = (token: string) => hash('sha256', token, 'hex');

/**
 * True when a browser's Origin names `hostname`: the same host (and port,
 * when the hostname names one). Requests without an Origin (bots, curl) are
 * not browsers and pass.
 */
export function originMatches(origin: string | undefined, hostname: string): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const wanted = hostname.toLowerCase();
  return url.host.toLowerCase() === wanted || (!wanted.includes(':') && url.hostname.toLowerCase() === wanted);
}

const originHost = (origin: string) => {
  try {
    return new URL(origin).host || origin;
  } catch {
    return origin;
  }
};

/** Times already parsed, by their ISO string: the last-use time of a cached connection comes back on every call. */
const parsedTimes = new Map<string, number>();

/** The ISO text of a time in milliseconds: how the store keeps times. */
const isoOf = (ms: number): string => new Date(ms).toISOString();

/** Date.parse, remembered: every session call checks its token's last use, and the same few strings come back each time. */
function timeOf(iso: string): number {
  let ms = parsedTimes.get(iso);
  if (ms === undefined) {
    ms = Date.parse(iso);
    if (parsedTimes.size >= 1024) parsedTimes.clear();
    parsedTimes.set(iso, ms);
  }
  return ms;
}

/** Who presents a token: the request's Origin, and its connection's memo of the last token's hash when the connection keeps one. */
export interface Caller {
  readonly origin: string | undefined;
  readonly tokenHashes?: TokenHashMemo | undefined;
}

/**
 * The keys of `untainted` a session limited to `allowed` may see, in `untainted`'s order. Both lists
 * come from the store's caches, which hand out the same frozen array until what it holds changes,
 * so the answer is worked out once per pair and kept (frozen, so the dispatcher also encodes it
 * once) for as long as both arrays live. Lists that are not frozen are filtered on every call.
 */
function restrictedList(untainted: readonly string[], allowed: readonly string[]): readonly string[] {
  if (!Object.isFrozen(untainted) || !Object.isFrozen(allowed)) return filterTo(untainted, allowed);
  let byRestriction = restrictedLists.get(untainted);
  if (byRestriction === undefined) restrictedLists.set(untainted, (byRestriction = new WeakMap()));
  let visible = byRestriction.get(allowed);
  if (visible === undefined) byRestriction.set(allowed, (visible = Object.freeze(filterTo(untainted, allowed))));
  return visible;
}

const restrictedLists = new WeakMap<readonly string[], WeakMap<readonly string[], readonly string[]>>();

function filterTo(keys: readonly string[], allowed: readonly string[]): string[] {
  const wanted = new Set(allowed);
  return keys.filter((k) => wanted.has(k));
}

/**
 * Third-party applications' connections to wallets and what they may do:
 * connection tokens (reviewed, bound to a host and a wallet, ending after an
 * idle time), long-lived API tokens (created by the owner, no review), and
 * permissions (reviewed; kept per wallet and host across connections).
 */
export class Sessions {
  /** The clock in milliseconds: every session call reads it, and a Date per call is not needed. */
  private readonly nowMs: () => number;
  /** Last-use times are written at most this often per token, to keep writes off the hot path. */
  private readonly touchEveryMs: number;

  constructor(
    private readonly store: SessionStore,
    private readonly wallets: WalletStore,
    private readonly reviews: ReviewService,
    private readonly options: SessionsOptions,
  ) {
    const now = options.now;
    this.nowMs = now ? () => now().getTime() : Date.now;
    this.touchEveryMs = Math.min(30_000, Math.floor(options.connectionIdleMs / 10));
  }

  /** session.connect_wallet: the owner reviews, picks the wallet; any previous connection of that wallet and host ends. */
  async connect(requestedHost: string, origin: string | undefined, signal: AbortSignal): Promise<string> {
    // Host names are case-insensitive: VEGA.XYZ and vega.xyz are one application with one connection.
    const hostname = requestedHost.toLowerCase();
    this.checkOrigin(origin, hostname);
    const approval = await this.reviews.request(
      { kind: 'connection', hostname, wallet: null, details: {}, walletExists: (name) => this.wallets.walletExists(name) },
      signal,
    );
    const wallet = approval.wallet;
    if (wallet === undefined || !(await this.wallets.walletExists(wallet))) throw new WalletNotFoundError(wallet ?? '');
    const token = newToken();
    const at = isoOf(this.nowMs());
    await this.store.replaceConnection({ wallet, hostname, tokenHash: hashToken(token), connectedAt: at, lastUsedAt: at });
    if (approval.keys !== undefined) {
      // The owner limited, while connecting it, which keys the application may see.
      const current = await this.store.findPermissions(wallet, hostname);
      await this.store.setPermissions({ wallet, hostname, publicKeys: current?.publicKeys ?? 'none', keys: approval.keys });
    }
    return token;
  }

  /** session.disconnect_wallet: ends a connection; unknown tokens and API tokens are not an error. */
  async disconnect(token: string): Promise<void> {
    await this.store.deleteConnectionByToken(hashToken(token));
  }

  /**
   * Checks a token (connection or API) and the Origin, and returns who is calling: without a
   * promise when the store answers from memory and no last-use time is due. May throw at once.
   */
  resolve(token: string, caller: Caller): Awaitable<Session> {
    const hash = caller.tokenHashes ? caller.tokenHashes.hashOf(token, hashToken) : hashToken(token);
    const { origin } = caller;
    const now = this.nowMs();
    // The connection and its permissions in one read: the hot path of every session method.
    return then(this.store.findConnectionWithPermissions(hash), (found) => {
      if (found && sameString(found.connection.tokenHash, hash)) return this.connectionSession(found.connection, found.permissions, origin, now);
      return then(this.store.findApiToken(hash), (api) => {
        if (api && sameString(api.tokenHash, hash)) return this.apiSession(api, origin, now);
        throw unknownTokenError();
      });
    });
  }

  async getPermissions(token: string, caller: Caller): Promise<Permissions> {
    return (await this.resolve(token, caller)).permissions;
  }

  /**
   * session.request_permissions: an omitted permission is revoked. Asking for
   * what is already granted needs no review.
   */
  async requestPermissions(token: string, requested: Partial<Permissions>, caller: Caller, signal: AbortSignal): Promise<Permissions> {
    const session = await this.resolve(token, caller);
    if (session.type === 'api' || session.hostname === null) throw new FixedPermissionsError();
    const wanted: Permissions = { public_keys: requested.public_keys ?? 'none' };
    if (wanted.public_keys === session.permissions.public_keys) return wanted;
    const approval = await this.reviews.request(
      { kind: 'permissions', hostname: session.hostname, wallet: session.wallet, details: { requested: wanted, current: session.permissions } },
      signal,
    );
    const keys = approval.keys === undefined ? session.keys : approval.keys;
    await this.store.setPermissions({ wallet: session.wallet, hostname: session.hostname, publicKeys: wanted.public_keys, keys });
    return wanted;
  }

  /** session.list_keys: needs read access; tainted keys and keys outside the session's restriction are never shown. */
  listKeys(token: string, caller: Caller): Awaitable<readonly string[]> {
    return then(this.resolve(token, caller), (session) => {
      if (session.permissions.public_keys === 'none') throw new PermissionDeniedError('a "read" access on public keys is required');
      // Only the public keys are read: building whole key records (metadata parsed from JSON) for
      // every key on every call cost ~1 ms per call for a wallet of 1,000 keys.
      return then(this.wallets.listUntaintedPublicKeys(session.wallet), (untainted) =>
        session.keys === null ? untainted : restrictedList(untainted, session.keys),
      );
    });
  }

  // ---- operator side

  async listConnections(): Promise<(ConnectionRecord & { expiresAt: string })[]> {
    await this.store.deleteIdleConnections(isoOf(this.nowMs() - this.options.connectionIdleMs));
    return (await this.store.listConnections()).map((c) => ({ ...c, expiresAt: this.expiry(c.lastUsedAt) }));
  }

  async closeConnection(wallet: string, hostname: string): Promise<void> {
    await this.requireWallet(wallet);
    await this.store.deleteConnection(wallet, hostname.toLowerCase());
  }

  async listPermissions(wallet: string) {
    await this.requireWallet(wallet);
    return this.store.listPermissions(wallet);
  }

  async revokePermissions(wallet: string, hostname: string): Promise<void> {
    await this.requireWallet(wallet);
    await this.store.deletePermissions(wallet, hostname.toLowerCase());
  }

  /** Checks that every key belongs to the wallet (for restrictions and API tokens). */
  async checkKeys(wallet: string, keys: string[] | null | undefined): Promise<void> {
    await this.requireWallet(wallet);
    if (!keys) return;
    const owned = new Set((await this.wallets.listKeys(wallet)).map((k) => k.publicKey));
    const stranger = keys.find((k) => !owned.has(k));
    if (stranger !== undefined) throw new KeyNotFoundError(wallet, stranger);
  }

  async createApiToken(wallet: string, description: string, keys: string[] | null, expiresAt: string | null): Promise<{ token: string; record: ApiTokenRecord }> {
    await this.checkKeys(wallet, keys);
    const token = newToken();
    const record: ApiTokenRecord = {
      id: randomBytes(8).toString('hex'),
      wallet,
      description,
      tokenHash: hashToken(token),
      keys,
      createdAt: isoOf(this.nowMs()),
      expiresAt,
      lastUsedAt: null,
    };
    await this.store.insertApiToken(record);
    return { token, record };
  }

  listApiTokens(): Promise<ApiTokenRecord[]> {
    return this.store.listApiTokens();
  }

  async revokeApiToken(id: string): Promise<void> {
    if (!(await this.store.deleteApiToken(id))) throw new ApiTokenNotFoundError(id);
  }

  // ---- helpers

  private checkOrigin(origin: string | undefined, hostname: string): void {
    if (!originMatches(origin, hostname)) {
      throw new AuthenticationError('origin_mismatch', `the Origin header names ${originHost(origin ?? '')}, not ${hostname}`);
    }
  }

  private expiry(lastUsedAt: string): string {
    return isoOf(Date.parse(lastUsedAt) + this.options.connectionIdleMs);
  }

  /**
   * The session of a connection token. Not async: in the usual case (no last-use time to write)
   * the session comes back as a value, and resolve() hands it on without the extra turns of the
   * microtask queue that returning a promise from an async function costs.
   */
  private connectionSession(connection: ConnectionRecord, permissions: PermissionRecord | undefined, origin: string | undefined, now: number): Awaitable<Session> {
    const idle = now - timeOf(connection.lastUsedAt);
    if (idle >= this.options.connectionIdleMs) {
      return this.store.deleteConnectionByToken(connection.tokenHash).then(() => {
        throw unknownTokenError();
      });
    }
    this.checkOrigin(origin, connection.hostname);
    const session: Session = {
      type: 'connection',
      wallet: connection.wallet,
      hostname: connection.hostname,
      permissions: permissions ? { public_keys: permissions.publicKeys } : NO_PERMISSIONS,
      keys: permissions?.keys ?? null,
      handle: connection.tokenHash,
    };
    return idle >= this.touchEveryMs ? this.store.touchConnection(connection.tokenHash, isoOf(now)).then(() => session) : session;
  }

  /** The session of an API token; not async, as connectionSession. */
  private apiSession(token: ApiTokenRecord, origin: string | undefined, now: number): Awaitable<Session> {
    if (token.expiresAt !== null && timeOf(token.expiresAt) <= now) throw unknownTokenError();
    // API tokens are for back-office systems; a browser page presenting one has no business holding it.
    if (origin !== undefined) throw new AuthenticationError('origin_mismatch', 'API tokens are not accepted from browser pages (the request has an Origin header)');
    const session: Session = { type: 'api', wallet: token.wallet, hostname: null, permissions: { public_keys: 'read' }, keys: token.keys, handle: token.id };
    if (token.lastUsedAt === null || now - timeOf(token.lastUsedAt) >= this.touchEveryMs) {
      return this.store.touchApiToken(token.id, isoOf(now)).then(() => session);
    }
    return session;
  }

  private async requireWallet(wallet: string): Promise<void> {
    if (!(await this.wallets.walletExists(wallet))) throw new WalletNotFoundError(wallet);
  }
}
