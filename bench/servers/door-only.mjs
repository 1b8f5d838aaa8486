/**
 * The gateway's door and dispatcher with nothing behind them: one constant handler for
 * session.get_chain_id, no store, no node. With argv[2] = "with-gateway" an idle gateway (store,
 * development node, worker threads) also runs in the process, to see what sharing a process with
 * it costs. Talks to the harness as servers/bare.mjs does ('ready', 'cpu', 'stop').
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { DIST } from '../lib/common.mjs';
import { tempDataDir } from '../lib/setup.mjs';

const load = (path) => import(pathToFileURL(join(DIST, 'src', ...path.split('/'))).href);
const { defaultConfig } = await load('config.js');
const { startHttpDoor } = await load('transport/http-door.js');
const { Dispatcher } = await load('rpc/dispatcher.js');
const { createLogger } = await load('logger.js');
const { startGateway } = await load('gateway.js');

const logger = createLogger('error');
const config = defaultConfig({ dataDir: tempDataDir('door-only'), host: '127.0.0.1', port: 0, adminPort: 0, logLevel: 'error' });
const gateway = process.argv[2] === 'with-gateway' ? await startGateway(config, { logger }) : undefined;
const handlers = { 'session.get_chain_id': () => ({ chainID: 'wallet-gateway-devnet' }) };
const dispatcher = new Dispatcher({ door: 'application', handlers, logger, maxBatch: config.maxBatch, validateResults: false });
const door = await startHttpDoor({ door: 'application', host: '127.0.0.1', port: 0, dispatcher, logger, limits: config.limits, documentJson: '{}', cors: true });

process.send({ type: 'ready', url: door.url, wsUrl: door.url.replace(/^http/, 'ws') });
process.on('message', async (message) => {
  if (message.type === 'cpu') {
    process.send({ id: message.id, cpu: process.cpuUsage() });
  } else if (message.type === 'stop') {
    await door.close();
    await gateway?.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
