/**
 * The plain server both floors run on (servers/bare.mjs, servers/bare-sign.mjs): node:http and a
 * ws server on one port of 127.0.0.1, each request's text handed to `answer` and its result sent
 * back as is, synchronously. Talks to the harness over IPC: 'ready' with the URLs, then 'cpu',
 * 'memory' and 'stop'.
 *
 * With BARE_WS_FRAMING=hand in its environment, WebSocket messages skip the ws library: the
 * upgrade is answered and frames are read and written by `serveFrames` below, to see what a
 * server costs per message without the library (bench/tools/ws-floor.mjs, sign-floor.mjs).
 */
import { createHash } from 'node:crypto';
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
  const handFramed = process.env.BARE_WS_FRAMING === 'hand' ? new Set() : null;
  const wss = handFramed ? null : new WebSocketServer({ server });
  if (handFramed) {
    server.on('upgrade', (req, socket, head) => {
      handFramed.add(socket);
      socket.once('close', () => handFramed.delete(socket));
      serveFrames(req, socket, head, answer);
    });
  } else {
    wss.on('connection', (ws) => {
      ws.on('message', (data) => ws.send(answer(data.toString('utf8'))));
    });
  }

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
      for (const ws of wss?.clients ?? []) ws.terminate();
      for (const socket of handFramed ?? []) socket.destroy();
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/**
 * RFC 6455 framing by hand, for what the load clients send: masked, unfragmented text frames
 * (payloads under 2^53 bytes), a close frame, a ping. The answers to the frames of one chunk
 * read from the socket go out in one write, as the gateway's door does (change 17).
 */
function serveFrames(req, socket, head, answer) {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  let rest = head.length > 0 ? head : null;
  socket.on('data', (chunk) => {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    const out = [];
    let at = 0;
    while (buf.length - at >= 2) {
      const opcode = buf[at] & 0x0f;
      let length = buf[at + 1] & 0x7f;
      let p = at + 2;
      if (length === 126) {
        if (buf.length - p < 2) break;
        length = buf.readUInt16BE(p);
        p += 2;
      } else if (length === 127) {
        if (buf.length - p < 8) break;
        length = Number(buf.readBigUInt64BE(p));
        p += 8;
      }
      if (buf.length - p < 4 + length) break;
      const mask = buf.subarray(p, p + 4);
      p += 4;
      for (let i = 0; i < length; i++) buf[p + i] ^= mask[i & 3];
      const payload = buf.subarray(p, p + length);
      at = p + length;
      if (opcode === 1) out.push(frame(0x1, Buffer.from(answer(payload.toString('utf8')))));
      else if (opcode === 9) out.push(frame(0xa, payload));
      else if (opcode === 8) {
        out.push(frame(0x8, payload.subarray(0, 2)));
        socket.end(out.length === 1 ? out[0] : Buffer.concat(out));
        return;
      }
    }
    if (out.length > 0) socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
    rest = at < buf.length ? buf.subarray(at) : null;
  });
}

function frame(opcode, payload) {
  const head = payload.length < 126 ? 2 : payload.length < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + payload.length);
  out[0] = 0x80 | opcode;
  if (head === 2) out[1] = payload.length;
  else if (head === 4) {
    out[1] = 126;
    out.writeUInt16BE(payload.length, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  payload.copy(out, head);
  return out;
}
