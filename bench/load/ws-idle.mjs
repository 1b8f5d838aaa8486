/**
 * Opens `connections` WebSocket connections, sends one request on each (so
 * each has really been used), then keeps them open and silent until told to
 * stop. argv[2]: JSON { url, connections, body }. Tells the parent
 * { type: 'ready', open } over IPC; 'stop' closes everything.
 */
import WebSocket from 'ws';
import { loadOptions } from '../lib/common.mjs';

const o = loadOptions();
const sockets = [];
function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(o.url, { perMessageDeflate: false });
    ws.once('open', () => {
      ws.once('message', () => resolve(ws));
      ws.send(o.body);
    });
    ws.once('error', reject);
  });
}
// A few at a time, as clients arriving would.
for (let i = 0; i < o.connections; i += 50) {
  const batch = await Promise.all(Array.from({ length: Math.min(50, o.connections - i) }, open));
  sockets.push(...batch);
}
process.send({ type: 'ready', open: sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length });
process.on('message', (message) => {
  if (message.type === 'stop') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
