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

  it('concurrent callers share one request, and the block is reused until it is too old', async () => {
    const { clock, chain } = view({ blockMaxAgeMs: 500 });
    const before = count('/blockchain/height');
    const blocks = await Promise.all(Array.from({ length: 10 }, () => chain.block()));
    expect(count('/blockchain/height')).toBe(before + 1);
    expect(new Set(blocks.map((b) => b.height)).size).toBe(1);
    expect(blocks[0]!.height).toBe(devnet.height);

    devnet.mineBlock();
    clock.now = 499;
    expect((await chain.block()).height).toBe(blocks[0]!.height);
    expect(count('/blockchain/height')).toBe(before + 1);
    clock.now = 500;
    expect((await chain.block()).height).toBe(devnet.height);
    expect(count('/blockchain/height')).toBe(before + 2);
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
    // 8 blocks of window: at one block per 100 ms, a block older than 200 ms is fetched again.
    const { clock, chain } = view({ blockMaxAgeMs: 10_000 });
    const first = await chain.block();
    devnet.mineBlock();
    clock.now = 100;
    await chain.newerBlock(first.height);
    const before = count('/blockchain/height');
    clock.now = 299;
    await chain.block();
    expect(count('/blockchain/height')).toBe(before);
    clock.now = 300;
    await chain.block();
    expect(count('/blockchain/height')).toBe(before + 1);
  });

  it("a key's spam statistics are reused for spamMaxAgeMs, each fetch a new object", async () => {
    const { clock, chain } = view({ spamMaxAgeMs: 1000 });
    const before = count('/statistics/spam/{key}');
    const a = await chain.spamStatistics(KEY);
    clock.now = 999;
    expect(await chain.spamStatistics(KEY)).toBe(a);
    expect(count('/statistics/spam/{key}')).toBe(before + 1);
    clock.now = 1000;
    const b = await chain.spamStatistics(KEY);
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
    expect(count('/statistics/spam/{key}')).toBe(before + 2);
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
