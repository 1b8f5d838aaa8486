import { existsSync } from 'node:fs';
import {
  DEFAULT_ADMIN_PORT,
  DEFAULT_CONNECTION_IDLE_SECONDS,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_REVIEW_TIMEOUT_SECONDS,
  DEFAULT_UNLOCK_TIMEOUT_SECONDS,
  LOCAL_NETWORK,
  databasePath,
  defaultConfig,
  resolveDataDir,
  startsDevelopmentNode,
} from '../config.js';
import { DEFAULT_CHAIN_ID } from '../devnet/index.js';
import { startGateway, type Gateway } from '../gateway.js';
import { LOG_LEVELS, type LogLevel } from '../logger.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { UsageError, parseFlags, parsePort, parseSeconds } from './args.js';
import { DEFAULT_BLOCK_TIME_MS, DEFAULT_POW_DIFFICULTY, parseBlockTime, parseChainId, parsePowDifficulty } from './devnet.js';
import { parseNetworkName, parseNodeUrls } from './network.js';
import { runTerminalReviewer } from './review.js';

export const SERVE_HELP = `Usage: wallet-gateway serve [options]

Starts the gateway: the application door (session.* for dApps and bots) and
the operator door (admin.* for the wallet's owner, bearer token required).

Options:
  --data-dir DIR      where the database and the operator token live
                      (default: $WALLET_GATEWAY_HOME, else $XDG_DATA_HOME/wallet-gateway,
                      else ~/.local/share/wallet-gateway)
  --host HOST         address both doors listen on (default ${DEFAULT_HOST})
  --port PORT         application door port (default ${DEFAULT_PORT}; 0 picks a free one)
  --admin-port PORT   operator door port (default ${DEFAULT_ADMIN_PORT}; 0 picks a free one)
  --unlock-timeout S  seconds an unlocked wallet stays unlocked without use, unless
                      admin.unlock_wallet says otherwise (default ${DEFAULT_UNLOCK_TIMEOUT_SECONDS})
  --review-timeout S  seconds a request waits for the owner's review before it ends
                      with -32001 (default ${DEFAULT_REVIEW_TIMEOUT_SECONDS})
  --connection-idle-timeout S
                      seconds of disuse after which a connection token expires
                      (default ${DEFAULT_CONNECTION_IDLE_SECONDS})
  --log-level LEVEL   ${LOG_LEVELS.join(', ')} (default info); logs go to stderr
  --review terminal   answer the requests of applications in this terminal, as
                      "wallet-gateway review" does (needs a terminal on stdin); the
                      gateway stops when the reviewer does (Ctrl+C, Ctrl+D)
  -h, --help          show this help

Network (where session.send_transaction and friends go):
  By default a local development node starts inside the gateway, on a free
  port of 127.0.0.1, and is registered as the network "${LOCAL_NETWORK}"; it stops with
  the gateway and its chain is not kept.
  --network NAME      use this stored network instead (see "wallet-gateway network
                      list"); no development node starts. --network ${LOCAL_NETWORK}
                      without --nodes is the default: a development node
  --nodes URL[,URL...]
                      with --network: register NAME with these node REST addresses
                      at start, replacing its stored ones (e.g. the address
                      "wallet-gateway devnet" prints)
  --devnet-block-time-ms MS
                      milliseconds between the in-process node's blocks
                      (default ${DEFAULT_BLOCK_TIME_MS})
  --devnet-pow-difficulty N
                      its proof-of-work difficulty, 0 to 256 (default ${DEFAULT_POW_DIFFICULTY})
  --devnet-chain-id ID
                      its chain id (default ${DEFAULT_CHAIN_ID})
  The --devnet-* options cannot be combined with another --network.
`;

const DEVNET_FLAGS = ['devnet-block-time-ms', 'devnet-pow-difficulty', 'devnet-chain-id'] as const;

/**
 * --network without --nodes must name a stored network. Looked up before the
 * gateway starts so that a typo is a usage error (exit 2) with the names that
 * do exist; a data directory without a database knows no network at all.
 */
async function requireStoredNetwork(dataDir: string, name: string): Promise<void> {
  const path = databasePath(dataDir);
  let known: string[] = [];
  if (existsSync(path)) {
    const store = SqliteStore.open(path);
    try {
      if (await store.networks.findNetwork(name)) return;
      known = (await store.networks.listNetworks()).map((n) => n.name);
    } finally {
      await store.close();
    }
  }
  const knownText = known.length ? `the known ones are ${known.join(', ')}` : 'no network is stored yet';
  throw new UsageError(
    `there is no network named "${name}" (${knownText}); give its nodes with --nodes URL[,URL...], or leave out --network to start a local development node`,
  );
}

/** The banner lines about the network in use. */
async function networkLines(gateway: Gateway): Promise<string[]> {
  if (gateway.devnet) {
    return [
      `  network           ${gateway.network}  (development node inside this gateway)`,
      `  devnet            ${gateway.devnet.url}  (chain id ${gateway.devnet.chainId})`,
    ];
  }
  // Only for show: a failed read must not stop a gateway that has started.
  const stored = await gateway.store.networks.findNetwork(gateway.network).catch(() => undefined);
  return [`  network           ${gateway.network}  (nodes: ${stored?.nodes.join(', ') ?? 'unknown'})`];
}

export async function serve(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    'data-dir': { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'admin-port': { type: 'string' },
    'log-level': { type: 'string' },
    'unlock-timeout': { type: 'string' },
    'review-timeout': { type: 'string' },
    'connection-idle-timeout': { type: 'string' },
    review: { type: 'string' },
    network: { type: 'string' },
    nodes: { type: 'string', multiple: true },
    'devnet-block-time-ms': { type: 'string' },
    'devnet-pow-difficulty': { type: 'string' },
    'devnet-chain-id': { type: 'string' },
  });
  if (flags.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const logLevel = (flags['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const review = flags.review;
  if (review !== undefined && review !== 'terminal') throw new UsageError(`--review accepts only "terminal", not "${review}"`);
  // Checked before anything starts: without a terminal the reviewer could only ever read an empty pipe.
  if (review === 'terminal' && !process.stdin.isTTY) {
    throw new UsageError('--review terminal needs a terminal on stdin; without one, run "wallet-gateway review" where there is a terminal');
  }
  const nodes = flags.nodes === undefined ? undefined : parseNodeUrls(flags.nodes, '--nodes');
  const named = flags.network === undefined ? undefined : parseNetworkName(flags.network, '--network');
  const network = startsDevelopmentNode(named, nodes) ? undefined : named;
  if (nodes && network === undefined) throw new UsageError('--nodes gives the nodes of a --network NAME; add --network');
  const devnetFlag = DEVNET_FLAGS.find((flag) => flags[flag] !== undefined);
  if (devnetFlag && network !== undefined) throw new UsageError(`--${devnetFlag} configures the development node that starts without --network; it cannot be combined with --network`);
  const devnetChainId = parseChainId(flags['devnet-chain-id'], '--devnet-chain-id');
  const devnet = {
    blockTimeMs: parseBlockTime(flags['devnet-block-time-ms'], '--devnet-block-time-ms'),
    powDifficulty: parsePowDifficulty(flags['devnet-pow-difficulty'], '--devnet-pow-difficulty'),
    ...(devnetChainId === undefined ? {} : { chainId: devnetChainId }),
  };
  const dataDir = resolveDataDir(flags['data-dir']);
  if (network !== undefined && nodes === undefined) await requireStoredNetwork(dataDir, network);
  const config = defaultConfig({
    dataDir,
    host: flags.host ?? DEFAULT_HOST,
    port: parsePort(flags.port, '--port', DEFAULT_PORT),
    adminPort: parsePort(flags['admin-port'], '--admin-port', DEFAULT_ADMIN_PORT),
    logLevel,
    unlockTimeoutSeconds: parseSeconds(flags['unlock-timeout'], '--unlock-timeout', DEFAULT_UNLOCK_TIMEOUT_SECONDS),
    reviewTimeoutSeconds: parseSeconds(flags['review-timeout'], '--review-timeout', DEFAULT_REVIEW_TIMEOUT_SECONDS),
    connectionIdleSeconds: parseSeconds(flags['connection-idle-timeout'], '--connection-idle-timeout', DEFAULT_CONNECTION_IDLE_SECONDS),
    devnet,
    ...(network === undefined ? {} : { network }),
    ...(nodes === undefined ? {} : { networkNodes: nodes }),
  });
  const gateway = await startGateway(config);
  // Catch the stop signals before announcing that we run: whoever reads the banner may signal at once,
  // and a signal without a handler would kill the process without closing the doors and the database.
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const networkBanner = await networkLines(gateway);
  process.stdout.write(
    [
      'wallet-gateway is running',
      `  application door  ${gateway.applicationUrl}  (session.* for applications)`,
      `  operator door     ${gateway.operatorUrl}  (admin.*; bearer token in ${gateway.adminTokenPath})`,
      `  database          ${databasePath(config.dataDir)}`,
      ...networkBanner,
      'Stop with Ctrl+C.',
      '',
    ].join('\n'),
  );
  if (review !== 'terminal') {
    process.stdout.write(`${await stopped}: shutting down\n`);
    await gateway.close();
    return 0;
  }
  const stopReviewer = new AbortController();
  const reviewer = runTerminalReviewer({ url: gateway.operatorUrl, token: gateway.adminToken, signal: stopReviewer.signal }).catch((error: unknown) => {
    process.stderr.write(`error: the terminal reviewer failed: ${(error as Error).message}\n`);
    return 1;
  });
  const first = await Promise.race([stopped.then((signal) => ({ signal })), reviewer.then((code) => ({ code }))]);
  let code = 0;
  if ('signal' in first) {
    // The reviewer lets go of its connection before the doors close, so it does not report the shutdown as a lost gateway.
    stopReviewer.abort();
    await reviewer;
    process.stdout.write(`${first.signal}: shutting down\n`);
  } else {
    code = first.code;
    process.stdout.write('The terminal reviewer has stopped: shutting down\n');
  }
  await gateway.close();
  return code;
}
