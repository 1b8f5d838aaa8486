/**
 * Section 3: signatures per second through session.sign_transaction (HTTP
 * keep-alive, an unlocked wallet, proof of work of difficulty 0, a policy
 * approving the transactions), against node:crypto signing the same bytes.
 *
 * Spam limits: the node allows 2 transactions per key and referenced block,
 * and the gateway counts signed transactions too (it refuses with 2001 before
 * the node would ban the key). The run spreads the load over many keys (each
 * worker of the load generator owns its own keys and walks them in turn) and
 * runs the development node with short blocks (SIGNING_DEVNET in lib/setup.mjs, 25 ms):
 * both are ordinary settings, and no request is refused (any error fails the run).
 *
 * Over the node in the gateway's process, each round also runs the same load against a bare
 * signing server (servers/bare-sign.mjs: parse, encode, sign, answer, nothing else): the floor
 * of what Node does for this exchange here, which shows how much of the gap to node:crypto
 * is the gateway's own work. Over WebSocket a second floor runs too: the same server with no
 * WebSocket library, framing messages by hand and answering each read in one write.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BENCH, failures, median, runLoad, startChild } from '../lib/common.mjs';
import { SIGNING_DEVNET, encodedOrder, prepareApp, signedBytes, signingLoad, startGatewayChild, startSigningFloor, tempDataDir } from '../lib/setup.mjs';

export async function runSign({ rounds = 3, seconds = 3, workers = 16, keys = 256, blockTimeMs = SIGNING_DEVNET.blockTimeMs, log = () => {} } = {}) {
  const rows = await signRun({ rounds, seconds, workers, keys, blockTimeMs, log, external: false, transport: 'http' });
  // A bot's usual link: one WebSocket, requests pipelined.
  rows.push(...(await signRun({ rounds, seconds, workers, keys, blockTimeMs, log, external: false, transport: 'ws' })));
  // The same with the node in a process of its own, as a real network's node is.
  rows.push(...(await signRun({ rounds: Math.max(1, rounds - 1), seconds, workers, keys, blockTimeMs, log, external: true, transport: 'http' })));
  return rows;
}

async function signRun({ rounds, seconds, workers, keys, blockTimeMs, log, external, transport }) {
  const node = external ? await startChild(join(BENCH, 'servers', 'devnet.mjs'), [JSON.stringify({ blockTimeMs, powDifficulty: 0 })], { name: 'devnet' }) : undefined;
  const config = node ? { network: 'bench-node', networkNodes: [node.url] } : { devnet: { blockTimeMs, powDifficulty: 0 } };
  const gw = await startGatewayChild(tempDataDir('sign'), config, { name: 'gateway-sign' });
  let floor;
  let floorByHand;
  try {
    const app = await prepareApp(gw, { unlock: true, extraKeys: keys - 1 });
    if (app.keys.length !== keys) throw new Error(`expected ${keys} keys, the application sees ${app.keys.length}`);
    const encodedTransaction = encodedOrder();
    const { chainID, message } = await signedBytes(gw, app, encodedTransaction);

    const load = signingLoad(gw, app, { workers, encodedTransaction, transport });
    floor = external ? undefined : await startSigningFloor(chainID);
    const floorLoad = floor && signingLoad({ applicationUrl: floor.url }, app, { workers, encodedTransaction, transport });
    floorByHand = floor && transport === 'ws' ? await startSigningFloor(chainID, { name: 'bare-sign-by-hand', env: { BARE_WS_FRAMING: 'hand' } }) : undefined;
    const byHandLoad = floorByHand && signingLoad({ applicationUrl: floorByHand.url }, app, { workers, encodedTransaction, transport });

    const gateway = [];
    const raw = [];
    const bare = [];
    const byHand = [];
    for (let r = 0; r < rounds; r++) {
      const g = await load(seconds, r === 0 ? 1 : 0.2, { server: gw });
      if (failures(g)) throw new Error(`sign_transaction: ${failures(g)} failed ${JSON.stringify(g.codes)}`);
      const b = await runLoad(join(BENCH, 'load', 'raw-sign.mjs'), { secretKeyHex: randomBytes(32).toString('hex'), messageHex: message.toString('hex'), durationS: seconds });
      const f = floorLoad && (await floorLoad(seconds, r === 0 ? 1 : 0.2, { server: floor }));
      if (f && failures(f)) throw new Error(`bare signing server: ${failures(f)} failed ${JSON.stringify(f.codes)}`);
      const h = byHandLoad && (await byHandLoad(seconds, r === 0 ? 1 : 0.2, { server: floorByHand }));
      if (h && failures(h)) throw new Error(`bare signing server framed by hand: ${failures(h)} failed ${JSON.stringify(h.codes)}`);
      log(
        `  round ${r}${external ? ' (node in its own process)' : ''}${transport === 'ws' ? ' (WebSocket)' : ''}: gateway ${Math.round(g.rps)} signatures/s (p99 ${g.p99.toFixed(1)} ms, ${g.cpuUsPerRequest.toFixed(0)} µs CPU each, load generator ${g.loadCpuUsPerRequest.toFixed(0)} µs), node:crypto ${Math.round(b.rps)}/s` +
          (f ? `, bare signing server ${Math.round(f.rps)}/s (${f.cpuUsPerRequest.toFixed(0)} µs CPU each)` : '') +
          (h ? `, framed by hand ${Math.round(h.rps)}/s (${h.cpuUsPerRequest.toFixed(0)} µs CPU each)` : ''),
      );
      gateway.push(g);
      raw.push(b);
      if (f) bare.push(f);
      if (h) byHand.push(h);
    }
    if (external) {
      return [
        {
          section: '3 Signing',
          name: 'the same over HTTP, the node in its own process (p99; gateway CPU per signature)',
          gateway: median(gateway.map((x) => x.rps)),
          baseline: median(raw.map((x) => x.rps)),
          ratio: median(gateway.map((x, i) => x.rps / raw[i].rps)),
          unit: 'sig/s',
          note: `${median(gateway.map((x) => x.p99)).toFixed(1)} ms; ${median(gateway.map((x) => x.cpuUsPerRequest)).toFixed(0)} µs`,
        },
      ];
    }
    const how = transport === 'ws' ? `one WebSocket, ${workers} pipelined` : `HTTP keep-alive, ${workers} in flight`;
    return [
      {
        section: '3 Signing',
        name: `sign_transaction signatures/s vs node:crypto (${how}, ${keys} keys, node in the gateway's process)`,
        gateway: median(gateway.map((x) => x.rps)),
        baseline: median(raw.map((x) => x.rps)),
        ratio: median(gateway.map((x, i) => x.rps / raw[i].rps)),
        target: 0.6,
        unit: 'sig/s',
      },
      {
        section: '3 Signing',
        name: `sign_transaction (${transport === 'ws' ? 'WebSocket' : 'HTTP'}) p99 latency / gateway CPU per signature / the load generator's`,
        text: `${median(gateway.map((x) => x.p99)).toFixed(1)} ms / ${median(gateway.map((x) => x.cpuUsPerRequest)).toFixed(0)} µs (node:crypto: ${(1e6 / median(raw.map((x) => x.rps))).toFixed(0)} µs) / ${median(gateway.map((x) => x.loadCpuUsPerRequest)).toFixed(0)} µs`,
      },
      {
        section: '3 Signing',
        name: `the same load against the bare signing server (${transport === 'ws' ? 'WebSocket' : 'HTTP'}; parse, encode, sign, answer; ${median(bare.map((x) => x.cpuUsPerRequest)).toFixed(0)} µs CPU each; ${median(bare.map((x, i) => x.rps / raw[i].rps)).toFixed(2)}× node:crypto)`,
        gateway: median(gateway.map((x) => x.rps)),
        baseline: median(bare.map((x) => x.rps)),
        ratio: median(gateway.map((x, i) => x.rps / bare[i].rps)),
        unit: 'sig/s',
      },
      ...(byHand.length === 0
        ? []
        : [
            {
              section: '3 Signing',
              name: `the same against the bare signing server with no WebSocket library (frames by hand, one write per read; ${median(byHand.map((x) => x.cpuUsPerRequest)).toFixed(0)} µs CPU each; ${median(byHand.map((x, i) => x.rps / raw[i].rps)).toFixed(2)}× node:crypto)`,
              gateway: median(gateway.map((x) => x.rps)),
              baseline: median(byHand.map((x) => x.rps)),
              ratio: median(gateway.map((x, i) => x.rps / byHand[i].rps)),
              unit: 'sig/s',
            },
          ]),
    ];
  } finally {
    await gw.close();
    await node?.stop();
    await floor?.stop();
    await floorByHand?.stop();
  }
}
