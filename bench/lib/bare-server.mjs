/**
 * The plain server both floors run on (servers/bare.mjs, servers/bare-sign.mjs): node:http and a
 * ws server on one port of 127.0.0.1, each request's text handed to `answer` and its result sent
 * back as is, synchronously. Talks to the harness over IPC: 'ready' with the URLs, then 'cpu',
 * 'memory' and 'stop'.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

export function serveBare(answer) {
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
  process.on('message', (message) => {
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
}
