import type { Networks } from '../domain/network/networks.js';
import type { ReviewService } from '../domain/review/review-service.js';
import type { Transactions } from '../domain/transactions/transactions.js';
import type { Sessions } from '../domain/session/sessions.js';
import type { Keys } from '../domain/wallet/keys.js';
import type { AuditStore } from '../store/store.js';
import type { Wallets } from '../domain/wallet/wallets.js';

/** Everything the services use, injected at the composition root. */
export interface ServiceDeps {
  readonly wallets: Wallets;
  readonly keys: Keys;
  readonly sessions: Sessions;
  readonly reviews: ReviewService;
  readonly audit: AuditStore;
  readonly networks: Networks;
  readonly transactions: Transactions;
  /** How long an unlocked wallet stays unlocked without use, unless the call says otherwise. */
  readonly unlockTimeoutSeconds: number;
  /** The parsed openrpc.json. */
  readonly document: OpenRpcDocument;
}

export interface OpenRpcDocument {
  openrpc: string;
  info: Record<string, unknown>;
  methods: { name: string }[];
  [key: string]: unknown;
}
