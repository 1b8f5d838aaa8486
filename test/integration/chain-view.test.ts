/**
 * The chain view a gateway builds transactions on: a real development node,
 * a real node client, and a proxy in between that counts what reaches the node.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DevNode } from '../../src/devnet/index.js';
import { ChainView } from '../../src/domain/transactions/chain-view.js';
import { VegaNodeClient } from '../../src/node/vega-node-client.js';
import { startProxy, type Proxy } from '../helpers/faulty-proxy.js';

const KEY = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';

describe('ChainView', () => {
  let devnet: DevNode;
  let proxy: Proxy;
  let client: VegaNodeClient;
  const asked = new Map<string, number>();
  const count = (path: string) => asked.get(path) ?? 0;

  beforeAll(async () => {
    devnet = await DevNode.start({ host: '127.0.0.1', port: 0, blockTimeMs: 0, numberOfPastBlocks: 8 });
    proxy = await startProxy(devnet.url, (req) => {
      const path = (req.url ?? '').replace(/\/[0-9a-f]{64}$/, '/{key}');
      asked.set(path, count(path) + 1);
      return false;
    });
    client = new VegaNodeClient({ nodes: [proxy.url] });
  });
  afterAll(async () => {
    client?.close();
    await proxy?.close();
    await devnet?.close();
  });

  /** A view whose clock the test moves. */
  const view = (options: { blockMaxAgeMs?: number; spamMaxAgeMs?: number } = {}) => {
    const clock = { now: 0 };
    return { clock, chain: new ChainView(client, { ...options, now: () => clock.now }) };
  };

  it('concurrent callers share one request; the block is reused, fetched again in the background past half its age, and waited for once too old', async () => {
    const { clock, chain } = view({ blockMaxAgeMs: 500 });
    const before = count('/blockchain/height');
    const blocks = await Promise.all(Array.from({ length: 10 }, () => chain.block()));
    expect(count('/blockchain/height')).toBe(before + 1);
    expect(new Set(blocks.map((b) => b.height)).size).toBe(1);
    const first = blocks[0]!;
    expect(first.height).toBe(devnet.height);

    devnet.mineBlock();
    clock.now = 249;
    expect(await chain.block()).toBe(first);
    expect(count('/blockchain/height')).toBe(before + 1);
    // Half its age: answered with the known block at once, the next one asked for meanwhile.
    clock.now = 250;
    expect(await chain.block()).toBe(first);
    const refreshed = await chain.newerBlock(first.height);
    expect(refreshed.height).toBe(devnet.height);
    expect(count('/blockchain/height')).toBe(before + 2);
    expect(await chain.block()).toBe(refreshed);
    expect(count('/blockchain/height')).toBe(before + 2);

    // Not used for half an age: too old, so the caller waits for the node.
    devnet.mineBlock();
    clock.now = 750;
    expect((await chain.block()).height).toBe(devnet.height);
    expect(count('/blockchain/height')).toBe(before + 3);
  });

  it('newerBlock asks the node unless a higher block is already known, and gives the same block when none came', async () => {
    const { chain } = view();
    const first = await chain.block();
    const before = count('/blockchain/height');
    expect((await chain.newerBlock(first.height)).height).toBe(first.height);
    expect(count('/blockchain/height')).toBe(before + 1);
    devnet.mineBlock();
    const newer = await chain.newerBlock(first.height);
    expect(newer.height).toBe(first.height + 1n);
    expect(count('/blockchain/height')).toBe(before + 2);
    expect(await chain.newerBlock(first.height)).toBe(newer);
    expect(count('/blockchain/height')).toBe(before + 2);
  });

  it('on a fast chain a block is reused for at most a quarter of the proof-of-work window', async () => {
    // 8 blocks of window: at one block per 100 ms, a block older than 200 ms is fetched again, in the background from 100 ms.
    const { clock, chain } = view({ blockMaxAgeMs: 10_000 });
    const first = await chain.block();
    devnet.mineBlock();
    clock.now = 100;
    const second = await chain.newerBlock(first.height);
    const before = count('/blockchain/height');
    clock.now = 199;
    expect(await chain.block()).toBe(second);
    expect(count('/blockchain/height')).toBe(before);
    clock.now = 300;
    await chain.block();
    expect(count('/blockchain/height')).toBe(before + 1);
  });

  it("a key's spam statistics are reused, fetched again in the background past half of spamMaxAgeMs, each fetch a new object", async () => {
    const { clock, chain } = view({ spamMaxAgeMs: 1000 });
    const before = count('/statistics/spam/{key}');
    const [a, same] = await Promise.all([chain.spamStatistics(KEY), chain.spamStatistics(KEY)]);
    expect(same).toBe(a);
    expect(count('/statistics/spam/{key}')).toBe(before + 1);
    clock.now = 499;
    expect(await chain.spamStatistics(KEY)).toBe(a);
    expect(count('/statistics/spam/{key}')).toBe(before + 1);
    // Half the age: the known statistics at once, and one request meanwhile however many ask.
    clock.now = 500;
    expect(await chain.spamStatistics(KEY)).toBe(a);
    expect(await chain.spamStatistics(KEY)).toBe(a);
    // Too old: the caller waits, here for the request already under way.
    clock.now = 1000;
    const b = await chain.spamStatistics(KEY);
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
    expect(count('/statistics/spam/{key}')).toBe(before + 2);
    // Sent at 500: used as it is until half its age, so not asked for again before.
    clock.now = 999;
    expect(await chain.spamStatistics(KEY)).toBe(b);
    expect(count('/statistics/spam/{key}')).toBe(before + 2);
  });

  it('a background request that fails leaves what is known in use, and the next caller past the age gets the error', async () => {
    const failing = new Set<string>();
    const faulty = await startProxy(devnet.url, (req, res) => {
      if (![...failing].some((p) => req.url?.startsWith(p))) return false;
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":13,"message":"node fault"}');
      return true;
    });
    const faultyClient = new VegaNodeClient({ nodes: [faulty.url], retries: 0 });
    try {
      const clock = { now: 0 };
      const chain = new ChainView(faultyClient, { blockMaxAgeMs: 1000, spamMaxAgeMs: 1000, now: () => clock.now });
      const block = await chain.block();
      const stats = await chain.spamStatistics(KEY);
      failing.add('/blockchain/height').add('/statistics/spam/');
      clock.now = 600;
      // Answered from what is known; the requests started meanwhile fail, and nothing is left unhandled.
      expect(await chain.block()).toBe(block);
      expect(await chain.spamStatistics(KEY)).toBe(stats);
      await expect(chain.newerBlock(block.height)).rejects.toThrow();
      clock.now = 1000;
      await expect(chain.block()).rejects.toThrow();
      await expect(chain.spamStatistics(KEY)).rejects.toThrow();
      // A caller that has already gone still starts the request the next callers share: its failure is handled too.
      clock.now = 2000;
      const gone = AbortSignal.abort(new Error('caller left'));
      await expect(chain.block(gone)).rejects.toThrow('caller left');
      await expect(chain.spamStatistics(KEY, gone)).rejects.toThrow('caller left');
      await expect(chain.newerBlock(block.height)).rejects.toThrow();
      failing.clear();
      expect((await chain.block()).height).toBe(devnet.height);
      expect(await chain.spamStatistics(KEY)).toEqual(stats);
    } finally {
      faultyClient.close();
      await faulty.close();
    }
  });

  it("one caller giving up does not cancel the request the others wait for", async () => {
    const { chain } = view();
    const abort = new AbortController();
    const gaveUp = chain.block(abort.signal);
    const waits = chain.block();
    abort.abort(new Error('caller left'));
    await expect(gaveUp).rejects.toThrow('caller left');
    expect((await waits).height).toBe(devnet.height);
  });
});
