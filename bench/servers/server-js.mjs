/**
 * The peer: the same two session methods served by @open-rpc/server-js 1.10
 * from the same openrpc.json, over its HTTP transport and its WebSocket
 * transport (each listens on a port of its own). Handlers return the same
 * kind of values the gateway returns, without doing any work: what is
 * measured is the framework (connect, cors, body-parser, the router and its
 * per-call params validation).
 *
 * Note: server-js's router crashes the process on a request without params,
 * so the harness always sends params (an empty object for get_chain_id).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { Server } = require('@open-rpc/server-js');
const { parseOpenRPCDocument } = require('@open-rpc/schema-utils-js');

const raw = JSON.parse(readFileSync(new URL('../../openrpc.json', import.meta.url), 'utf8'));
const openrpcDocument = await parseOpenRPCDocument(raw);

const methodMapping = {
  'session.get_chain_id': async () => ({ chainID: 'wallet-gateway-devnet' }),
  'session.list_keys': async (_token) => ['b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0'],
};

// server-js logs every transport it adds; keep the harness's output clean.
const log = console.log;
console.log = () => {};
const server = new Server({
  openrpcDocument,
  methodMapping,
  transportConfigs: [
    { type: 'HTTPTransport', options: { port: 0, middleware: [] } },
    { type: 'WebSocketTransport', options: { port: 0, middleware: [] } },
  ],
});
console.log = log;
await server.start();
const [http, ws] = server.transports;
process.send({
  type: 'ready',
  url: `http://127.0.0.1:${http.server.address().port}`,
  wsUrl: `ws://127.0.0.1:${ws.server.address().port}`,
});
process.on('message', (message) => {
  if (message.type === 'cpu') process.send({ id: message.id, cpu: process.cpuUsage() });
  else if (message.type === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
