import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureAdminToken, tokenMatcher } from './admin-token.js';
import { LOCAL_NETWORK, adminTokenPath, databasePath, startsDevelopmentNode, type GatewayConfig } from './config.js';
import { DevNode } from './devnet/index.js';
import { Networks } from './domain/network/networks.js';
import { Transactions } from './domain/transactions/transactions.js';
import { decodeCommand } from './domain/vega/command-codec.js';
import { ProofOfWorkSolver } from './domain/vega/pow.js';
import { VegaNodeClient } from './node/vega-node-client.js';
import { ReviewService } from './domain/review/review-service.js';
import { Sessions } from './domain/session/sessions.js';
import { Keyring } from './domain/wallet/keyring.js';
import { Keys } from './domain/wallet/keys.js';
import { Wallets } from './domain/wallet/wallets.js';
import { createLogger, type Logger } from './logger.js';
import type { Door } from './rpc/context.js';
import { Dispatcher } from './rpc/dispatcher.js';
import { FailureLimiter } from './rpc/failure-limiter.js';
import type { OpenRpcDocument } from './services/deps.js';
import { createHandlers } from './services/handlers.js';
import { documentForDoor } from './services/rpc/discover.js';
import type { Store } from './store/store.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import { keepTickObjectShape } from './tick-shape.js';
import { startHttpDoor, type HttpDoor } from './transport/http-door.js';

export interface Gateway {
  readonly applicationUrl: string;
  /** The network session methods use, and the in-process development node when there is one. */
  readonly network: string;
  readonly devnet: DevNode | undefined;
  readonly operatorUrl: string;
  readonly adminTokenPath: string;
  readonly adminToken: string;
  readonly store: Store;
  close(): Promise<void>;
}

/** openrpc.json sits at the package root, two levels above this file in src/ and three in dist/src/. */
export function loadDocument(): OpenRpcDocument {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      return JSON.parse(readFileSync(join(dir, 'openrpc.json'), 'utf8')) as OpenRpcDocument;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      dir = dirname(dir);
    }
  }
  throw new Error('openrpc.json was not found next to the gateway');
}

export interface StartOptions {
  logger?: Logger;
  /** A store to use instead of the SQLite file in the data directory. */
  store?: Store;
}

/** The composition root: opens the store, builds the services and opens both doors. */
export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createLogger(config.logLevel);
  keepTickObjectShape();
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const tokenPath = adminTokenPath(config.dataDir);
  const { token, created } = ensureAdminToken(tokenPath);
  if (created) logger.info('created the operator token', { path: tokenPath });

  // Everything started so far, stopped in reverse order on shutdown or when starting fails halfway.
  const stops: (() => unknown)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };

  try {
    const store = options.store ?? SqliteStore.open(databasePath(config.dataDir));
    stops.push(() => store.close());
    const document = loadDocument();
    const keyring = new Keyring();
    stops.push(() => keyring.lockAll());
    const wallets = new Wallets(store.wallets, keyring, config.scryptCost ? { scryptCost: config.scryptCost } : {});
    const keys = new Keys(store.wallets, wallets, keyring);
    const reviews = new ReviewService(store.policies, store.audit, {
      timeoutMs: config.reviewTimeoutSeconds * 1000,
      onAuditFailure: (error) => logger.error('a review decision could not be written to the audit log', { error }),
    });
    await reviews.load();
    const sessions = new Sessions(store.sessions, store.wallets, reviews, { connectionIdleMs: config.connectionIdleSeconds * 1000 });

    // The network: the one named, or a local development node started here.
    let devnet: DevNode | undefined;
    const active = config.network ?? LOCAL_NETWORK;
    if (startsDevelopmentNode(config.network, config.networkNodes)) {
      const node = await DevNode.start({
        host: '127.0.0.1',
        port: 0,
        blockTimeMs: config.devnet.blockTimeMs,
        powDifficulty: config.devnet.powDifficulty,
        ...(config.devnet.chainId ? { chainId: config.devnet.chainId } : {}),
        ...(config.devnet.epochLengthBlocks ? { epochLengthBlocks: config.devnet.epochLengthBlocks } : {}),
        decodeCommand: (field, bytes) => void decodeCommand(field, bytes),
      });
      devnet = node;
      stops.push(() => node.close());
      await store.networks.upsertNetwork({ name: LOCAL_NETWORK, nodes: [node.url] });
    } else if (config.networkNodes) {
      await store.networks.upsertNetwork({ name: active, nodes: config.networkNodes });
    } else if (!(await store.networks.findNetwork(active))) {
      throw new Error(`there is no network named "${active}"; give its nodes with --nodes, or add it with admin.add_network`);
    }
    const networks = new Networks(store.networks, (nodes) => new VegaNodeClient({ nodes }), active);
    stops.push(() => networks.close());
    const pow = new ProofOfWorkSolver(config.powThreads ? { threads: config.powThreads } : {});
    stops.push(() => pow.close());
    const transactions = new Transactions(sessions, store.wallets, keyring, reviews, networks, pow);

    const handlers = createHandlers({
      wallets,
      keys,
      sessions,
      reviews,
      audit: store.audit,
      networks,
      transactions,
      document,
      unlockTimeoutSeconds: config.unlockTimeoutSeconds,
    });

    // One count of failures for both doors: a source that guesses at one is slowed down at the other too.
    const failures = new FailureLimiter(config.failureLimits);
    const open = async (door: Door, port: number, otherDoorUrl: string | undefined) => {
      const dispatcher = new Dispatcher({
        door,
        handlers,
        logger: logger.child({ door }),
        maxBatch: config.maxBatch,
        validateResults: config.validateResults,
        failures,
        ...(otherDoorUrl ? { otherDoorUrl } : {}),
      });
      const started = await startHttpDoor({
        door,
        host: config.host,
        port,
        dispatcher,
        logger: logger.child({ door }),
        limits: config.limits,
        documentJson: JSON.stringify(documentForDoor(document, door)),
        cors: door === 'application',
        failures,
        ...(door === 'operator' ? { authenticate: tokenMatcher(token) } : {}),
      });
      stops.push(() => started.close());
      return started;
    };
    const operator = await open('operator', config.adminPort, undefined);
    const application = await open('application', config.port, operator.url);
    // Every reviewer connected to the operator door hears of reviews as they start and end.
    reviews.on('requested', (review) => operator.broadcast('admin.review_requested', review));
    reviews.on('ended', (ended) => operator.broadcast('admin.review_ended', ended));

    let closing: Promise<void> | undefined;
    return {
      applicationUrl: application.url,
      operatorUrl: operator.url,
      network: active,
      devnet,
      adminTokenPath: tokenPath,
      adminToken: token,
      store,
      close() {
        closing ??= (async () => {
          // Waiting callers get 3000 while their connections are still open to carry it.
          await reviews.closeAll();
          // So do transactions still being prepared (a proof of work can run for many seconds).
          transactions.close();
          await new Promise((resolve) => setImmediate(resolve));
          await stopAll();
        })();
        return closing;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
