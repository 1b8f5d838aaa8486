/**
 * 100 parallel session.send_transaction, all for one key, then spread over 10
 * keys (issue 6, "Load"). Checks that:
 *   - every answer is a result or an error with a code the spec defines for
 *     send_transaction (2001, the gateway refusing to go past the node's
 *     per-block limit, is one of them);
 *   - among the transactions the node received (recorded by a proxy between
 *     the gateway and a development node, and decoded), no proof-of-work tid
 *     appears twice and no key reuses a nonce;
 *   - every transaction answered with a hash is in a block, executed (code 0).
 *
 *   npm run build && node bench/parallel-send.mjs
 * Exits non-zero when a check fails.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, closeAgent, post, requireBuild, sleep } from './lib/common.mjs';
import { prepareApp, startGatewayChild, tempDataDir } from './lib/setup.mjs';

requireBuild();
const load = (path) => import(pathToFileURL(join(DIST, path)).href);
const { DevNode } = await load('src/devnet/index.js');
const { decodeCommand } = await load('src/domain/vega/command-codec.js');
const { decodeTransaction, decodeInputData } = await load('src/domain/vega/transaction.js');

const PARALLEL = Number(process.env.PARALLEL ?? 100);
// Codes openrpc.json lists for session.send_transaction.
const DEFINED = new Set([-32602, 1000, 2000, 2001, 3000, 3001, -32001, -32003]);

/** A pass-through proxy in front of the node that keeps every transaction submitted through it. */
function startRecordingProxy(target) {
  const submitted = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && req.url === '/transaction/raw') submitted.push(JSON.parse(body.toString('utf8')).tx);
      const upstream = request(new URL(req.url, target), { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, submitted, close: () => new Promise((done) => server.close(done)) })));
}

const node = await DevNode.start({ host: '127.0.0.1', port: 0, blockTimeMs: 1000, powDifficulty: 2, decodeCommand: (field, bytes) => void decodeCommand(field, bytes) });
const proxy = await startRecordingProxy(node.url);
const gw = await startGatewayChild(tempDataDir('parallel'), { network: 'bench-net', networkNodes: [proxy.url] }, { name: 'gateway-parallel' });
const failures = [];
const report = [];
try {
  const app = await prepareApp(gw, { unlock: true, extraKeys: 9 });
  const vote = () => Buffer.from(JSON.stringify({ voteSubmission: { proposalId: randomBytes(32).toString('hex'), value: 'VALUE_YES' } })).toString('base64');

  for (const keyCount of [1, 10]) {
    const keys = app.keys.slice(0, keyCount);
    const from = proxy.submitted.length;
    // Start right after a block, so that the burst is not cut in two by one.
    const height = node.height;
    while (node.height === height) await sleep(5);
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        post(gw.applicationUrl, {
          jsonrpc: '2.0',
          id: i + 1,
          method: 'session.send_transaction',
          params: { token: app.token, publicKey: keys[i % keys.length], sendingMode: 'TYPE_SYNC', encodedTransaction: vote() },
        }),
      ),
    );
    const ms = performance.now() - started;
    const codes = {};
    const hashes = [];
    for (const { body } of answers) {
      if (body?.result?.txHash) {
        hashes.push(body.result.txHash);
        codes.ok = (codes.ok ?? 0) + 1;
      } else {
        const code = body?.error?.code;
        codes[code] = (codes[code] ?? 0) + 1;
        if (!DEFINED.has(code)) failures.push(`${keyCount} key(s): undefined answer ${JSON.stringify(body)}`);
      }
    }

    // What the node received in this burst, decoded.
    const txs = proxy.submitted.slice(from).map((b64) => {
      const tx = decodeTransaction(new Uint8Array(Buffer.from(b64, 'base64')));
      return { party: tx.pubKey, tid: tx.pow?.tid, nonce: decodeInputData(tx.inputData).nonce };
    });
    const tids = new Set(txs.map((t) => t.tid));
    const nonces = new Set(txs.map((t) => `${t.party}:${t.nonce}`));
    if (tids.size !== txs.length) failures.push(`${keyCount} key(s): ${txs.length - tids.size} duplicate proof-of-work tids`);
    if (nonces.size !== txs.length) failures.push(`${keyCount} key(s): ${txs.length - nonces.size} reused nonces`);
    if (txs.some((t) => !t.tid)) failures.push(`${keyCount} key(s): a transaction without proof of work`);
    if (new Set(hashes).size !== hashes.length) failures.push(`${keyCount} key(s): the same hash answered twice`);

    // Every hash answered is in a block and executed.
    const deadline = Date.now() + 5000;
    let landed = 0;
    for (const hash of hashes) {
      let found;
      while (!(found = node.findTransaction(hash)) && Date.now() < deadline) await sleep(20);
      if (!found) failures.push(`${keyCount} key(s): ${hash} never reached a block`);
      else if (found.code !== 0) failures.push(`${keyCount} key(s): ${hash} failed in block ${found.height} with code ${found.code}: ${found.data}`);
      else landed += 1;
    }
    const line = `${PARALLEL} parallel send_transaction over ${keyCount} key(s): answers ${JSON.stringify(codes)} in ${ms.toFixed(0)} ms; node received ${txs.length}, distinct tids ${tids.size}, distinct (key, nonce) ${nonces.size}; in a block with code 0: ${landed}/${hashes.length}`;
    report.push(line);
    console.log(line);
  }
} finally {
  await gw.close();
  await proxy.close();
  await node.close();
  closeAgent();
}
if (failures.length) {
  console.error(`FAILED:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('ok: every answer defined, no duplicate tid, no reused nonce');
process.exit(0);
