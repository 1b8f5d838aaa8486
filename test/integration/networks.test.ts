/**
 * The active network's node client: a real store, a real development node,
 * real node clients.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevNode } from '../../src/devnet/index.js';
import { Networks } from '../../src/domain/network/networks.js';
import { NodeClientClosedError, VegaNodeClient } from '../../src/node/vega-node-client.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startTestGateway } from '../helpers/gateway.js';

describe('Networks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wallet-gateway-networks-'));
  let devnet: DevNode;
  let store: SqliteStore;
  const made: VegaNodeClient[] = [];

  beforeAll(async () => {
    devnet = await DevNode.start({ host: '127.0.0.1', port: 0, blockTimeMs: 0 });
    store = SqliteStore.open(join(dir, 'gateway.db'));
    await store.networks.insertNetwork({ name: 'local', nodes: [devnet.url] });
  });
  afterAll(async () => {
    for (const client of made) client.close();
    await store?.close();
    await devnet?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const networks = () =>
    new Networks(
      store.networks,
      (nodes) => {
        const client = new VegaNodeClient({ nodes });
        made.push(client);
        return client;
      },
      'local',
    );

  it('gives concurrent first callers one client, and a new one (the old closed) once the nodes change', async () => {
    const active = networks();
    const before = made.length;
    const clients = await Promise.all(Array.from({ length: 10 }, () => active.client()));
    expect(new Set(clients).size).toBe(1);
    expect(made.length).toBe(before + 1);
    expect((await clients[0]!.lastBlock()).height).toBe(devnet.height);

    await active.update({ name: 'local', nodes: [devnet.url] });
    const next = await active.client();
    expect(next).not.toBe(clients[0]);
    expect(made.length).toBe(before + 2);
    await expect(clients[0]!.lastBlock()).rejects.toBeInstanceOf(NodeClientClosedError);
    expect((await next.lastBlock()).height).toBe(devnet.height);
    await active.close();
  });

  it('does not keep a failed lookup: once the network exists, the next call gets a client', async () => {
    const missing = new Networks(store.networks, (nodes) => new VegaNodeClient({ nodes }), 'not-yet');
    await expect(missing.client()).rejects.toMatchObject({ reason: 'network_not_found' });
    await store.networks.insertNetwork({ name: 'not-yet', nodes: [devnet.url] });
    const client = await missing.client();
    made.push(client as VegaNodeClient);
    expect((await client.lastBlock()).height).toBe(devnet.height);
    await missing.close();
  });
});

describe('the network named "local"', () => {
  it('without nodes is the development node the gateway starts, not the stored address of the last one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wallet-gateway-local-'));
    try {
      const first = await startTestGateway({}, dir);
      const gone = first.gateway.devnet?.url;
      await first.close();
      const again = await startTestGateway({ network: 'local' }, dir);
      try {
        expect(again.gateway.devnet?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(again.gateway.devnet?.url).not.toBe(gone);
        const reply = await again.app({ jsonrpc: '2.0', id: 1, method: 'session.get_chain_id', params: {} });
        expect(reply.body).toMatchObject({ result: { chainID: again.gateway.devnet?.chainId } });
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
