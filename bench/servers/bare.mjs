/**
 * The floor: a node:http server (and a ws server on the same port) that reads
 * the body, parses the JSON-RPC request and answers a constant result for the
 * method, with the request's id. No validation, no database, no routing
 * beyond a Map lookup. What Node itself costs for this exchange.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

// The same kind of values the gateway answers for these methods.
const RESULTS = new Map([
  ['session.get_chain_id', { chainID: 'wallet-gateway-devnet' }],
  ['session.list_keys', ['b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0']],
]);

function answer(text) {
  let request;
  try {
    request = JSON.parse(text);
  } catch {
    return JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
  }
  const result = RESULTS.get(request.method);
  if (result === undefined) return JSON.stringify({ jsonrpc: '2.0', id: request.id ?? null, error: { code: -32601, message: 'method not found' } });
  return JSON.stringify({ jsonrpc: '2.0', id: request.id ?? null, result });
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = answer(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 5000;
const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => {
  ws.on('message', (data) => ws.send(answer(data.toString('utf8'))));
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.send({ type: 'ready', url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` });
});
process.on('message', async (message) => {
  if (message.type === 'cpu') {
    process.send({ id: message.id, cpu: process.cpuUsage() });
  } else if (message.type === 'memory') {
    globalThis.gc?.();
    process.send({ id: message.id, memory: process.memoryUsage() });
  } else if (message.type === 'stop') {
    for (const ws of wss.clients) ws.terminate();
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
