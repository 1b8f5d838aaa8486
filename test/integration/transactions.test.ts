/**
 * Transactions end to end: an application asks the gateway to sign, check or
 * send Vega commands; the owner reviews them on the operator door (or a policy
 * rule approves them); the gateway builds, signs and proves work against a real
 * development node, and the transactions are looked up in that node's blocks.
 *
 * Faults of a remote network (a node that is gone, fails, drops a connection or
 * serves a stale block) are made with HTTP proxies in front of a real dev node.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import Database from 'better-sqlite3';
import { databasePath } from '../../src/config.js';
import { DevNode } from '../../src/devnet/index.js';
import { transactionSigningMessage, verifyMessage } from '../../src/domain/crypto/ed25519.js';
import { decodeCommand, encodeCommand as encodeVegaCommand } from '../../src/domain/vega/command-codec.js';
import { verifyProofOfWork } from '../../src/domain/vega/pow.js';
import { decodeInputData, decodeTransaction } from '../../src/domain/vega/transaction.js';
import { encodeCommand, FIRST_KEY, readyApp, session, type ReadyApp } from '../helpers/app.js';
import { startFaultyProxy, startProxy, type FaultyProxy, type Proxy } from '../helpers/faulty-proxy.js';
import { SEED_PASSPHRASE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { PUB_KEY, signTransaction } from '../helpers/transaction.js';
import { connectApp, grantPermissions, nextReview } from '../helpers/review.js';
import { sleep, within } from '../helpers/time.js';

type Json = Record<string, unknown>;

const hex64 = () => randomBytes(32).toString('hex');
/** A port nothing listens on. */
const CLOSED_PORT_URL = 'http://127.0.0.1:1';

const MARKET = 'ca394d8238c4b4a04a50f33b7e193fee01a03fed9057022f613b6fcb5e671479';
const ORDER = '98c135409c2c53142f37734d55ea7fbe2451a4c7242d5966df5255b2af2417ec';

/** A vote on a proposal of its own, so per-proposal vote limits never get in the way. */
const vote = (): Json => ({ voteSubmission: { proposalId: hex64(), value: 'VALUE_YES' } });

/**
 * Commands as a dApp writes them, in the form the gateway decodes them back to
 * (64-bit integers as strings, enums by name, no proto3 default values), so that
 * a round trip must give exactly the same JSON.
 */
const COMMANDS: Record<string, () => Json> = {
  voteSubmission: vote,
  transfer: () => ({
    transfer: {
      fromAccountType: 'ACCOUNT_TYPE_GENERAL',
      to: hex64(),
      toAccountType: 'ACCOUNT_TYPE_GENERAL',
      asset: hex64(),
      amount: '1000000',
      reference: 'rent for March',
      oneOff: { deliverOn: '1735689600000000000' },
    },
  }),
  orderSubmission: () => ({
    orderSubmission: {
      marketId: MARKET,
      price: '100000',
      size: '10',
      side: 'SIDE_BUY',
      timeInForce: 'TIME_IN_FORCE_GTT',
      expiresAt: '1735689600000000000',
      type: 'TYPE_LIMIT',
      reference: 'my-order-1',
      postOnly: true,
      icebergOpts: { peakSize: '5', minimumVisibleSize: '2' },
    },
  }),
  orderAmendment: () => ({ orderAmendment: { orderId: ORDER, marketId: MARKET, price: '99000', sizeDelta: '-5' } }),
  batchMarketInstructions: () => ({
    batchMarketInstructions: {
      cancellations: [{ orderId: ORDER, marketId: MARKET }],
      submissions: [
        { marketId: MARKET, price: '101', size: '3', side: 'SIDE_SELL', timeInForce: 'TIME_IN_FORCE_GTC', type: 'TYPE_LIMIT' },
        { marketId: MARKET, size: '1', side: 'SIDE_BUY', timeInForce: 'TIME_IN_FORCE_IOC', type: 'TYPE_MARKET' },
      ],
    },
  }),
  updatePartyProfile: () => ({ updatePartyProfile: { alias: 'night-trader', metadata: [{ key: 'team', value: 'blue' }, { key: 'city', value: 'Lisbon' }] } }),
  delegateSubmission: () => ({ delegateSubmission: { nodeId: hex64(), amount: '500' } }),
  joinTeam: () => ({ joinTeam: { id: hex64() } }),
};

// ---- talking to the gateway and the node

interface Reply {
  status: number;
  body: any;
}

/** A POST that `signal` can abort. node:http without keep-alive, so an aborted request leaves no spare connection behind. */
function abortablePost(url: string, body: unknown, signal: AbortSignal): Promise<Reply | 'aborted'> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false, signal }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      res.on('error', () => resolve('aborted'));
    });
    req.on('error', () => resolve('aborted'));
    req.end(JSON.stringify(body));
  });
}

async function nodeGet(base: string, path: string): Promise<any> {
  const res = await fetch(base + path);
  return res.json();
}

async function nodePost(base: string, path: string, body: unknown): Promise<any> {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}

const sha256Upper = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex').toUpperCase();

/** Polls `check` until it returns something; fails after `ms`. */
async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms = 5000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(10);
  }
}

/** Waits until the node has put the transaction in a block, and returns what the block says of it. */
const landed = (node: DevNode, txHash: string) => eventually(() => node.findTransaction(txHash), 5000, `transaction ${txHash} landing in a block`);

async function transactionAuditCount(gw: TestGateway): Promise<number> {
  const { events } = (await gw.call('admin.list_audit_events', { kind: 'transaction', limit: 1000 })) as { events: unknown[] };
  return events.length;
}

async function pendingReviewCount(gw: TestGateway): Promise<number> {
  const { reviews } = (await gw.call('admin.list_reviews')) as { reviews: unknown[] };
  return reviews.length;
}

const approveTransactionsOf = (hostname: string) => ({ kind: 'transaction', hostname, action: 'approve' });

/** Everything a signed transaction carries, decoded from the bytes sign_transaction returned. */
function unpack(result: { encodedTransaction: string }) {
  const bytes = new Uint8Array(Buffer.from(result.encodedTransaction, 'base64'));
  const tx = decodeTransaction(bytes);
  const input = decodeInputData(tx.inputData);
  return { bytes, tx, input, command: decodeCommand(input.commandField, input.command) };
}

/** The signature verifies over chainId ‖ 0x00 ‖ InputData, and over nothing else. */
function expectValidSignature(tx: ReturnType<typeof decodeTransaction>, chainId: string): void {
  const publicKey = Buffer.from(tx.pubKey, 'hex');
  const signature = Buffer.from(tx.signature.value, 'hex');
  expect(verifyMessage(publicKey, transactionSigningMessage(chainId, tx.inputData), signature)).toBe(true);
  expect(verifyMessage(publicKey, transactionSigningMessage(`${chainId}-other`, tx.inputData), signature)).toBe(false);
}

// ---------------------------------------------------------------------------

describe('on the local development node', () => {
  const CHAIN_ID = 'transactions-test-chain';
  let gw: TestGateway;
  let devnet: DevNode;
  /** vega.xyz: its transactions are reviewed by the owner. */
  let dapp: ReadyApp;
  /** bot.example: its transactions are approved by a policy rule. */
  let bot: string;

  beforeAll(async () => {
    gw = await startTestGateway({ reviewTimeoutSeconds: 2, devnet: { chainId: CHAIN_ID, blockTimeMs: 100, powDifficulty: 2, epochLengthBlocks: 1 } });
    devnet = gw.gateway.devnet as DevNode;
    dapp = await readyApp(gw, { extraKeys: 1 });
    bot = await connectApp(gw, 'bot.example', dapp.wallet);
    await grantPermissions(gw, bot, 'read');
    await gw.call('admin.set_policy', { policy: { rules: [approveTransactionsOf('bot.example')], default: 'ask' } });
  });
  afterAll(async () => {
    await gw?.close();
  });
  afterEach(async () => {
    // A test that failed half-way must not leave the node paused or a review waiting for the next one.
    devnet?.resume();
    const { reviews } = (await gw.call('admin.list_reviews')) as { reviews: { id: string }[] };
    for (const r of reviews) await gw.admin({ jsonrpc: '2.0', id: 1, method: 'admin.decide_review', params: { id: r.id, approved: false } });
  });

  const params = (token: string, command: Json, extra: Json = {}) => ({ token, publicKey: FIRST_KEY, encodedTransaction: encodeCommand(command), ...extra });

  /** Sends a request of vega.xyz, approves its review as the owner, and returns the review and the answer. */
  async function reviewed(method: string, command: Json, extra: Json = {}, decision: Json = { approved: true }) {
    const answer = session(gw, method, params(dapp.token, command, extra));
    const review = await nextReview(gw);
    await gw.call('admin.decide_review', { id: review.id, ...decision });
    return { review, body: await answer };
  }

  it('session.get_chain_id answers the chain id of the node in use', async () => {
    const body = await session(gw, 'session.get_chain_id', {});
    expect(body.result).toEqual({ chainID: CHAIN_ID });
    expect(devnet.chainId).toBe(CHAIN_ID);
  });

  describe('sending modes', () => {
    it('TYPE_COMMIT answers only once the block holding the transaction is made', async () => {
      devnet.pause();
      const waiting = devnet.pendingTransactions;
      const command = vote();
      const answer = session(gw, 'session.send_transaction', params(dapp.token, command, { sendingMode: 'TYPE_COMMIT' }));
      let settled = false;
      void answer.then(() => (settled = true));
      const review = await nextReview(gw);
      expect(review).toMatchObject({ kind: 'transaction', hostname: 'vega.xyz', wallet: dapp.wallet });
      expect(review.details).toMatchObject({ command: command.voteSubmission, commandType: 'voteSubmission', publicKey: FIRST_KEY });
      await gw.call('admin.decide_review', { id: review.id, approved: true });

      // The transaction reaches the mempool, but without a block there is no answer yet.
      await eventually(() => (devnet.pendingTransactions === waiting + 1 ? true : undefined), 5000, 'the transaction reaching the mempool');
      await sleep(150);
      expect(settled).toBe(false);

      const block = devnet.mineBlock();
      const { result, error } = await answer;
      expect(error).toBeUndefined();
      expect(result.txHash).toMatch(/^[0-9A-F]{64}$/);
      expect(block.transactions.map((t) => t.hash)).toContain(result.txHash);
      expect(devnet.findTransaction(result.txHash)).toMatchObject({ code: 0, height: block.height, party: FIRST_KEY, command: 'voteSubmission' });
    });

    it.each(['TYPE_ASYNC', 'TYPE_SYNC'])('%s answers before the block is made, and the transaction then lands', async (mode) => {
      devnet.pause();
      const waiting = devnet.pendingTransactions;
      const command = COMMANDS.orderSubmission!();
      const { review, body } = await reviewed('session.send_transaction', command, { sendingMode: mode });
      expect(review.details).toMatchObject({ command: command.orderSubmission, commandType: 'orderSubmission', publicKey: FIRST_KEY });
      expect(body.error).toBeUndefined();
      const { receivedAt, sentAt, txHash } = body.result;
      expect(Date.parse(sentAt)).toBeGreaterThanOrEqual(Date.parse(receivedAt));
      // Answered while no block has been made since: the node holds it in its mempool only.
      expect(devnet.findTransaction(txHash)).toBeUndefined();
      await eventually(() => (devnet.pendingTransactions === waiting + 1 ? true : undefined), 5000, 'the transaction reaching the mempool');

      devnet.resume();
      expect(await landed(devnet, txHash)).toMatchObject({ code: 0, party: FIRST_KEY, command: 'orderSubmission' });
    });
  });

  it('the hash is the upper-case SHA-256 of the signed bytes, as the node reports it', async () => {
    const { body } = await reviewed('session.sign_transaction', vote());
    const { encodedTransaction, txHash, transaction } = body.result;
    const bytes = Buffer.from(encodedTransaction, 'base64');
    expect(txHash).toBe(sha256Upper(bytes));
    expect(transaction.pubKey).toBe(FIRST_KEY);
    expect(transaction.version).toBe('TX_VERSION_V3');

    const submitted = await nodePost(devnet.url, '/transaction/raw', { tx: encodedTransaction, type: 'TYPE_SYNC' });
    expect(submitted).toMatchObject({ code: 0, txHash });
    expect(await landed(devnet, txHash)).toMatchObject({ code: 0 });
  });

  it.each(Object.keys(COMMANDS))('%s: signs to bytes that decode back to the command, verify, and land in a block', async (name) => {
    const command = COMMANDS[name]!();
    const body = await session(gw, 'session.sign_transaction', params(bot, command));
    expect(body.error).toBeUndefined();
    const { bytes, tx, input, command: decoded } = unpack(body.result);

    expect(decoded).toEqual({ commandType: name, value: command[name] });
    expect(tx.pubKey).toBe(FIRST_KEY);
    expect(tx.version).toBe(3);
    expect(tx.signature).toMatchObject({ algo: 'vega/ed25519', version: 1 });
    expect(Buffer.from(tx.inputData).toString('base64')).toBe(body.result.transaction.inputData);
    expect(input.nonce).not.toBe(0n);
    expect(input.blockHeight).toBeLessThanOrEqual(devnet.height);
    expectValidSignature(tx, devnet.chainId);

    // The proof of work solves the referenced block at the difficulty the node advertises.
    const advertised = await nodeGet(devnet.url, '/blockchain/height');
    expect(advertised.spamPowDifficulty).toBe(2);
    expect(tx.pow).toBeDefined();
    expect(body.result.transaction.pow).toEqual({ tid: tx.pow!.tid, nonce: tx.pow!.nonce.toString() });
    expect(verifyProofOfWork(devnet.blockHashAt(input.blockHeight), tx.pow!.tid, tx.pow!.nonce, advertised.spamPowDifficulty)).toBe(true);

    const submitted = await nodePost(devnet.url, '/transaction/raw', { tx: body.result.encodedTransaction, type: 'TYPE_SYNC' });
    expect(submitted).toMatchObject({ code: 0, txHash: sha256Upper(bytes) });
    expect(await landed(devnet, body.result.txHash)).toMatchObject({ code: 0, command: name, party: FIRST_KEY });
  });

  it('session.check_transaction has the node check a transaction that never lands', async () => {
    const body = await session(gw, 'session.check_transaction', params(bot, vote()));
    expect(body.error).toBeUndefined();
    expect(body.result.txHash).toMatch(/^[0-9A-F]{64}$/);
    const height = devnet.height;
    await eventually(() => (devnet.height > height + 1n ? true : undefined), 5000, 'two more blocks');
    expect(devnet.findTransaction(body.result.txHash)).toBeUndefined();
  });

  describe('requests refused before any review starts', () => {
    const invalid: [string, string, string, RegExp][] = [
      ['an unsupported command', encodeCommand({ proposalSubmission: { reference: 'new market' } }), '/encodedTransaction', /proposalSubmission/],
      ['base64 of something that is not JSON', Buffer.from('{"voteSubmission": {').toString('base64'), '/encodedTransaction', /not JSON/],
      ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString('base64'), '/encodedTransaction', /not JSON/],
      ['two commands at once', encodeCommand({ ...vote(), ...COMMANDS.joinTeam!() }), '/encodedTransaction', /./],
      [
        'a field the command does not have',
        encodeCommand({ voteSubmission: { proposalId: hex64(), value: 'VALUE_YES', colour: 'red' } }),
        '/encodedTransaction/voteSubmission/colour',
        /./,
      ],
      ['an enum value that does not exist', encodeCommand({ voteSubmission: { proposalId: hex64(), value: 'VALUE_MAYBE' } }), '/encodedTransaction/voteSubmission/value', /./],
    ];
    it.each(invalid)('%s → -32602', async (_what, encodedTransaction, path, message) => {
      const before = await transactionAuditCount(gw);
      for (const method of ['session.send_transaction', 'session.sign_transaction', 'session.check_transaction']) {
        const extra = method === 'session.send_transaction' ? { sendingMode: 'TYPE_SYNC' } : {};
        const body = await session(gw, method, { token: dapp.token, publicKey: FIRST_KEY, encodedTransaction, ...extra });
        expect(body.error).toMatchObject({ code: -32602, message: 'Invalid params', data: { path } });
        expect(body.error.data.message).toMatch(message);
      }
      expect(await pendingReviewCount(gw)).toBe(0);
      expect(await transactionAuditCount(gw)).toBe(before);
    });

    it('keys the connection may not use → 2000 key_not_allowed', async () => {
      const other = (await gw.call('admin.create_wallet', { wallet: 'other-wallet', passphrase: 'another passphrase' })) as { key: { publicKey: string } };
      const unread = await connectApp(gw, 'unread.example', dapp.wallet);
      const restricted = await connectApp(gw, 'restricted.example', dapp.wallet);
      await grantPermissions(gw, restricted, 'read', [dapp.keys[1]!]);
      const before = await transactionAuditCount(gw);

      const cases: [string, string][] = [
        [dapp.token, other.key.publicKey], // a key of another wallet
        [dapp.token, hex64()], // a key of no wallet
        [unread, FIRST_KEY], // a connection without read access
        [restricted, FIRST_KEY], // a key outside the connection's restriction
      ];
      for (const [token, publicKey] of cases) {
        const body = await session(gw, 'session.send_transaction', { token, publicKey, sendingMode: 'TYPE_SYNC', encodedTransaction: encodeCommand(vote()) });
        expect(body.error).toMatchObject({ code: 2000, data: { reason: 'key_not_allowed' } });
      }
      expect(await pendingReviewCount(gw)).toBe(0);
      expect(await transactionAuditCount(gw)).toBe(before);

      // The key inside the restriction goes to review as usual.
      const answer = session(gw, 'session.sign_transaction', { token: restricted, publicKey: dapp.keys[1], encodedTransaction: encodeCommand(vote()) });
      const review = await nextReview(gw);
      expect(review.details).toMatchObject({ publicKey: dapp.keys[1] });
      await gw.call('admin.decide_review', { id: review.id, approved: true });
      expect((await answer).result.transaction.pubKey).toBe(dapp.keys[1]);
    });

    it('a tainted key → 2000 key_tainted, also when tainted during the review', async () => {
      const key = dapp.keys[1]!;
      await gw.call('admin.taint_key', { wallet: dapp.wallet, publicKey: key });
      try {
        const before = await transactionAuditCount(gw);
        const body = await session(gw, 'session.sign_transaction', { token: dapp.token, publicKey: key, encodedTransaction: encodeCommand(vote()) });
        expect(body.error).toMatchObject({ code: 2000, data: { reason: 'key_tainted', publicKey: key } });
        expect(await transactionAuditCount(gw)).toBe(before);

        // Tainted while its review waits: the approval no longer lets it sign.
        await gw.call('admin.untaint_key', { wallet: dapp.wallet, publicKey: key });
        const answer = session(gw, 'session.sign_transaction', { token: dapp.token, publicKey: key, encodedTransaction: encodeCommand(vote()) });
        const review = await nextReview(gw);
        await gw.call('admin.taint_key', { wallet: dapp.wallet, publicKey: key });
        await gw.call('admin.decide_review', { id: review.id, approved: true });
        expect((await answer).error).toMatchObject({ code: 2000, data: { reason: 'key_tainted' } });
      } finally {
        await gw.call('admin.untaint_key', { wallet: dapp.wallet, publicKey: key });
      }
    });
  });

  describe('how a review ends', () => {
    it('a wallet locked when the transaction is signed → 2000 wallet_locked; approving with the passphrase unlocks it', async () => {
      await gw.call('admin.lock_wallet', { wallet: dapp.wallet });
      try {
        const locked = await reviewed('session.send_transaction', vote(), { sendingMode: 'TYPE_SYNC' });
        expect(locked.body.error).toMatchObject({ code: 2000, data: { reason: 'wallet_locked' } });

        const unlocked = await reviewed('session.send_transaction', vote(), { sendingMode: 'TYPE_COMMIT' }, { approved: true, passphrase: SEED_PASSPHRASE });
        expect(unlocked.body.error).toBeUndefined();
        expect(devnet.findTransaction(unlocked.body.result.txHash)).toMatchObject({ code: 0 });
      } finally {
        await gw.call('admin.unlock_wallet', { wallet: dapp.wallet, passphrase: SEED_PASSPHRASE });
      }
    });

    it('rejected by the owner → 3001, recorded as rejected by the operator', async () => {
      const { review, body } = await reviewed('session.send_transaction', vote(), { sendingMode: 'TYPE_SYNC' }, { approved: false });
      expect(body.error).toMatchObject({ code: 3001, message: 'Client error', data: { reason: 'rejected' } });
      const { events } = (await gw.call('admin.list_audit_events', { kind: 'transaction', outcome: 'rejected', limit: 1000 })) as { events: any[] };
      expect(events.find((e) => e.reviewId === review.id)).toMatchObject({ decidedBy: 'operator', details: { commandType: 'voteSubmission' } });
    });

    it('no decision before the review times out → -32001', async () => {
      const started = Date.now();
      const body = await session(gw, 'session.sign_transaction', params(dapp.token, vote()));
      expect(body.error).toMatchObject({ code: -32001, data: { reason: 'review_timed_out' } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      expect(await pendingReviewCount(gw)).toBe(0);
    });

    it('the caller going away during the review ends it as interrupted', async () => {
      const abort = new AbortController();
      const asked = abortablePost(gw.gateway.applicationUrl, { jsonrpc: '2.0', id: 1, method: 'session.send_transaction', params: params(dapp.token, vote(), { sendingMode: 'TYPE_SYNC' }) }, abort.signal);
      const review = await nextReview(gw);
      abort.abort();
      expect(await asked).toBe('aborted');
      await eventually(async () => ((await pendingReviewCount(gw)) === 0 ? true : undefined), 3000, 'the review ending');
      const { events } = (await gw.call('admin.list_audit_events', { kind: 'transaction', outcome: 'interrupted', limit: 1000 })) as { events: any[] };
      expect(events.find((e) => e.reviewId === review.id)).toMatchObject({ outcome: 'interrupted', decidedBy: 'caller' });
      // A decision arriving late finds nothing to decide.
      const late = await gw.admin({ jsonrpc: '2.0', id: 1, method: 'admin.decide_review', params: { id: review.id, approved: true } });
      expect(late.body.error).toMatchObject({ code: 2000, data: { reason: 'review_not_found' } });
    });
  });

  describe('networks', () => {
    it('add, list, describe and remove networks; the active one cannot be removed', async () => {
      expect(await gw.call('admin.add_network', { name: 'offline', nodes: [CLOSED_PORT_URL] })).toEqual({ name: 'offline', nodes: [CLOSED_PORT_URL], active: false });
      const { networks } = (await gw.call('admin.list_networks')) as { networks: any[] };
      expect(networks).toEqual(
        expect.arrayContaining([
          { name: 'local', nodes: [devnet.url], active: true },
          { name: 'offline', nodes: [CLOSED_PORT_URL], active: false },
        ]),
      );

      const local = (await gw.call('admin.describe_network', { name: 'local' })) as any;
      expect(local).toMatchObject({ name: 'local', active: true, nodes: [devnet.url] });
      expect(local.health).toHaveLength(1);
      expect(local.health[0]).toMatchObject({ url: devnet.url, ok: true, chainId: CHAIN_ID, error: null });
      expect(BigInt(local.health[0].height)).toBeGreaterThanOrEqual(1n);
      expect(BigInt(local.health[0].height)).toBeLessThanOrEqual(devnet.height);

      const offline = (await gw.call('admin.describe_network', { name: 'offline' })) as any;
      expect(offline.health).toEqual([{ url: CLOSED_PORT_URL, ok: false, chainId: null, height: null, latencyMs: null, error: expect.any(String) }]);

      const inUse = await gw.admin({ jsonrpc: '2.0', id: 1, method: 'admin.remove_network', params: { name: 'local' } });
      expect(inUse.body.error).toMatchObject({ code: 2000, data: { reason: 'network_in_use', network: 'local' } });
      expect(await gw.call('admin.remove_network', { name: 'offline' })).toEqual({});
      const after = (await gw.call('admin.list_networks')) as { networks: any[] };
      expect(after.networks.map((n) => n.name)).toEqual(['local']);
    });

    it('describing the active network asks its nodes now', async () => {
      // The gateway has just used the node, then a few blocks go by before the owner looks.
      expect((await session(gw, 'session.sign_transaction', params(bot, vote()))).error).toBeUndefined();
      const height = devnet.height;
      await eventually(() => (devnet.height >= height + 3n ? true : undefined), 5000, 'three more blocks');
      const asked = devnet.height;
      const local = (await gw.call('admin.describe_network', { name: 'local' })) as any;
      expect(BigInt(local.health[0].height)).toBeGreaterThanOrEqual(asked);
    });

    it('updating the active network applies to the next transaction', async () => {
      const send = () => session(gw, 'session.send_transaction', params(bot, vote(), { sendingMode: 'TYPE_SYNC' }));
      try {
        await gw.call('admin.update_network', { name: 'local', nodes: [CLOSED_PORT_URL] });
        expect(await send()).toMatchObject({ error: { code: 1000, data: { reason: 'no_healthy_node' } } });
        expect(await session(gw, 'session.get_chain_id', {})).toMatchObject({ error: { code: 1000, data: { reason: 'no_healthy_node' } } });
      } finally {
        await gw.call('admin.update_network', { name: 'local', nodes: [devnet.url] });
      }
      const body = await send();
      expect(body.error).toBeUndefined();
      expect(await landed(devnet, body.result.txHash)).toMatchObject({ code: 0 });
    });
  });
});

it('shutting down while a transaction waits for review → 3000', async () => {
  const gw = await startTestGateway({ devnet: { blockTimeMs: 100, powDifficulty: 2 } });
  try {
    const dapp = await readyApp(gw);
    const answer = session(gw, 'session.send_transaction', { token: dapp.token, publicKey: FIRST_KEY, sendingMode: 'TYPE_SYNC', encodedTransaction: encodeCommand(vote()) });
    await nextReview(gw);
    await gw.gateway.close();
    expect(await answer).toMatchObject({ error: { code: 3000, data: { reason: 'closed' } } });
  } finally {
    await gw.close();
  }
});

// ---------------------------------------------------------------------------

/** A gateway whose policy approves every transaction, and an application connected to it with read access. */
async function approvingGateway(config: Parameters<typeof startTestGateway>[0], extraKeys = 0): Promise<{ gw: TestGateway; dapp: ReadyApp }> {
  const gw = await startTestGateway(config);
  const dapp = await readyApp(gw, { extraKeys });
  await gw.call('admin.set_policy', { policy: { rules: [{ kind: 'transaction', action: 'approve' }], default: 'ask' } });
  return { gw, dapp };
}

describe('spam rules, with blocks made only on demand', () => {
  let gw: TestGateway;
  let devnet: DevNode;
  let dapp: ReadyApp;

  beforeAll(async () => {
    ({ gw, dapp } = await approvingGateway({ devnet: { blockTimeMs: 0, powDifficulty: 2 } }, 1));
    devnet = gw.gateway.devnet as DevNode;
  });
  afterAll(async () => {
    await gw?.close();
  });

  const send = (publicKey: string, command: Json = vote()) =>
    session(gw, 'session.send_transaction', { token: dapp.token, publicKey, sendingMode: 'TYPE_SYNC', encodedTransaction: encodeCommand(command) });

  it('a key gets 2001 past the per-block limit until the next block; other keys are not held back', async () => {
    const [first, second] = dapp.keys as [string, string];
    const advertised = await nodeGet(devnet.url, '/blockchain/height');
    expect(advertised.spamPowNumberOfTxPerBlock).toBe(2);
    const height = devnet.height;

    for (let i = 0; i < 2; i++) expect((await send(first)).error).toBeUndefined();
    expect(devnet.pendingTransactions).toBe(2);
    const refused = await send(first);
    expect(refused.error).toMatchObject({ code: 2001, message: 'Application error', data: { reason: 'spam_limit' } });
    expect(refused.error.data.message).toContain(`block ${height}`);
    // Refused before anything reached the node; signing is refused the same way.
    expect(devnet.pendingTransactions).toBe(2);
    const signRefused = await session(gw, 'session.sign_transaction', { token: dapp.token, publicKey: first, encodedTransaction: encodeCommand(vote()) });
    expect(signRefused.error).toMatchObject({ code: 2001 });

    const other = await send(second);
    expect(other.error).toBeUndefined();
    expect(devnet.pendingTransactions).toBe(3);

    const block = devnet.mineBlock();
    expect(block.transactions).toHaveLength(3);
    expect(block.transactions.every((t) => t.code === 0)).toBe(true);

    const again = await send(first);
    expect(again.error).toBeUndefined();
    devnet.mineBlock();
    expect(devnet.findTransaction(again.result.txHash)).toMatchObject({ code: 0, height: height + 2n });
  });

  it('votes the gateway signed count against the limit before the node has them in a block', async () => {
    // The node allows 3 votes per proposal and epoch; its spam statistics count only votes already in
    // a block. The gateway adds the votes it signed since it last read them, so the fourth vote is
    // refused here, before it reaches the node.
    const proposal = hex64();
    const ballot = () => ({ voteSubmission: { proposalId: proposal, value: 'VALUE_YES' } });
    const [first, second] = dapp.keys as [string, string];
    const pending = devnet.pendingTransactions;
    for (let i = 0; i < 3; i++) expect((await send(first, ballot())).error).toBeUndefined();
    const refused = await send(first, ballot());
    expect(refused.error).toMatchObject({ code: 2001, message: 'Application error', data: { reason: 'spam_limit' } });
    expect(refused.error.data.message).toMatch(/voted on this proposal/);
    expect(devnet.pendingTransactions).toBe(pending + 3);
    // Votes of another key on the same proposal are counted apart.
    expect((await send(second, ballot())).error).toBeUndefined();
    devnet.mineBlock();
  });

  it("a rejection the gateway cannot foresee comes back as 1000 + the node's code", async () => {
    // Another program holding the same key votes straight to the node: the gateway cannot know of
    // that vote while it sits in the node's mempool, so the node refuses the gateway's vote itself, with code 89.
    const proposal = hex64();
    const ballot = { voteSubmission: { proposalId: proposal, value: 'VALUE_NO' } };
    const first = dapp.keys[0] as string;
    expect(first).toBe(PUB_KEY);
    expect((await send(first, ballot)).error).toBeUndefined();
    expect((await send(first, ballot)).error).toBeUndefined();
    devnet.mineBlock();
    const last = await nodeGet(devnet.url, '/blockchain/height');
    const elsewhere = signTransaction({
      chainId: last.chainId,
      height: BigInt(last.height),
      command: encodeVegaCommand('voteSubmission', ballot.voteSubmission),
      pow: { blockHash: last.hash, bits: last.spamPowDifficulty },
    });
    expect(await nodePost(devnet.url, '/transaction/raw', { tx: elsewhere.tx, type: 'TYPE_SYNC' })).toMatchObject({ code: 0 });
    const refused = await send(first, ballot);
    expect(refused.error).toMatchObject({ code: 1089, message: 'Network error', data: { reason: 'node_rejected', code: 89 } });
    expect(refused.error.data.message).toMatch(/limit of 3 votes/);
    devnet.mineBlock();
  });
});

describe('an approval that cannot be put on record', () => {
  let gw: TestGateway;
  let devnet: DevNode;
  let dapp: ReadyApp;

  beforeAll(async () => {
    ({ gw, dapp } = await approvingGateway({ devnet: { blockTimeMs: 0, powDifficulty: 1 } }));
    devnet = gw.gateway.devnet as DevNode;
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('refuses the transaction: nothing signed is handed out and nothing reaches the node', async () => {
    // Another program refuses every new audit row in the gateway's own database file.
    const other = new Database(databasePath(gw.dataDir));
    const params = { token: dapp.token, publicKey: dapp.keys[0], encodedTransaction: encodeCommand(vote()) };
    const pending = devnet.pendingTransactions;
    try {
      other.exec("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log refused'); END");
      const sent = await session(gw, 'session.send_transaction', { ...params, sendingMode: 'TYPE_SYNC' });
      const signed = await session(gw, 'session.sign_transaction', params);
      for (const answer of [sent, signed]) {
        expect(answer.result).toBeUndefined();
        expect(answer.error).toMatchObject({ code: -32603 });
        expect(JSON.stringify(answer.error)).not.toContain('audit log refused');
      }
      expect(devnet.pendingTransactions).toBe(pending);
    } finally {
      other.exec('DROP TRIGGER IF EXISTS refuse_audit');
      other.close();
    }
    // The same request goes through once the log takes rows again.
    expect((await session(gw, 'session.send_transaction', { ...params, sendingMode: 'TYPE_SYNC' })).error).toBeUndefined();
    expect(devnet.pendingTransactions).toBe(pending + 1);
    devnet.mineBlock();
  });
});

describe('spam rules across a new read of the statistics', () => {
  let gw: TestGateway;
  let devnet: DevNode;
  let dapp: ReadyApp;

  beforeAll(async () => {
    // Blocks on demand only, with room for every vote in one: none of them is in a block while the statistics are read again.
    devnet = await DevNode.start({ host: '127.0.0.1', port: 0, blockTimeMs: 0, powDifficulty: 1, txPerBlock: 10 });
    ({ gw, dapp } = await approvingGateway({ network: 'remote', networkNodes: [devnet.url] }));
  });
  afterAll(async () => {
    await gw?.close();
    await devnet?.close();
  });

  it('votes signed before the statistics were read again still count while they wait for a block', async () => {
    // The node's statistics count votes in blocks only. A key's statistics are read again once
    // they are a second old (in the background, for the next transaction): the two votes sent
    // before are not in them, yet the fourth vote must still be refused here, before the node.
    const proposal = hex64();
    const ballot = { voteSubmission: { proposalId: proposal, value: 'VALUE_YES' } };
    const send = () =>
      session(gw, 'session.send_transaction', { token: dapp.token, publicKey: dapp.keys[0], sendingMode: 'TYPE_SYNC', encodedTransaction: encodeCommand(ballot) });
    const pending = devnet.pendingTransactions;
    for (let i = 0; i < 2; i++) expect((await send()).error).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await send()).error).toBeUndefined();
    // The statistics read meanwhile are now the ones used; the node still has no vote in a block.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(devnet.pendingTransactions).toBe(pending + 3);
    const refused = await send();
    expect(refused.error).toMatchObject({ code: 2001, message: 'Application error', data: { reason: 'spam_limit' } });
    expect(refused.error.data.message).toMatch(/voted on this proposal/);
    expect(devnet.pendingTransactions).toBe(pending + 3);
    devnet.mineBlock();
  });
});

// ---------------------------------------------------------------------------

/** A node that keeps answering GET /blockchain/height with the block it saw first, and forwards everything else. */
async function startStaleHeightProxy(target: string): Promise<Proxy> {
  const frozen = await (await fetch(`${target}/blockchain/height`)).text();
  return startProxy(target, (req, res) => {
    if (!(req.url ?? '').startsWith('/blockchain/height')) return false;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(frozen);
    return true;
  });
}

describe('on a remote network', () => {
  let node: DevNode;
  let gw: TestGateway;
  let dapp: ReadyApp;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    // Room for many transactions per key and block, for the parallel runs.
    node = await DevNode.start({ host: '127.0.0.1', port: 0, blockTimeMs: 100, powDifficulty: 2, txPerBlock: 50, decodeCommand: (field, bytes) => void decodeCommand(field, bytes) });
    ({ gw, dapp } = await approvingGateway({ network: 'remote', networkNodes: [node.url] }, 1));
    expect(gw.gateway.devnet).toBeUndefined();
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  afterAll(async () => {
    await gw?.close();
    await node?.close();
  });

  const useNodes = (nodes: string[]) => gw.call('admin.update_network', { name: 'remote', nodes });
  async function proxy(target = node.url): Promise<FaultyProxy> {
    const p = await startFaultyProxy(target);
    closers.push(() => p.close());
    return p;
  }
  const send = (publicKey = FIRST_KEY, mode = 'TYPE_SYNC') =>
    session(gw, 'session.send_transaction', { token: dapp.token, publicKey, sendingMode: mode, encodedTransaction: encodeCommand(vote()) });
  const sign = (publicKey = FIRST_KEY) => session(gw, 'session.sign_transaction', { token: dapp.token, publicKey, encodedTransaction: encodeCommand(vote()) });
  const check = () => session(gw, 'session.check_transaction', { token: dapp.token, publicKey: FIRST_KEY, encodedTransaction: encodeCommand(vote()) });

  it('session.get_chain_id answers the chain id of the remote node', async () => {
    await useNodes([node.url]);
    expect((await session(gw, 'session.get_chain_id', [])).result).toEqual({ chainID: node.chainId });
  });

  it("switching to another chain starts the key's per-block tally afresh, even at the same height", async () => {
    // Two chains with blocks only on demand, both at height 7000, allowing 2 transactions per key and block.
    const chains = await Promise.all(
      ['chain-a', 'chain-b'].map((chainId) => DevNode.start({ host: '127.0.0.1', port: 0, chainId, startHeight: 7000n, blockTimeMs: 0, powDifficulty: 2 })),
    );
    for (const chain of chains) closers.push(() => chain.close());
    const [a, b] = chains as [DevNode, DevNode];
    await useNodes([a.url]);
    expect((await sign()).error).toBeUndefined();
    expect((await sign()).error).toBeUndefined();
    expect((await sign()).error).toMatchObject({ code: 2001, data: { reason: 'spam_limit' } });
    await useNodes([b.url]);
    expect(b.height).toBe(a.height);
    const signed = await sign();
    expect(signed.error).toBeUndefined();
    expect(unpack(signed.result).input.blockHeight).toBe(b.height);
  });

  it('no node answering → 1000 no_healthy_node', async () => {
    await useNodes([CLOSED_PORT_URL, 'http://127.0.0.1:9']);
    for (const answer of [await send(), await sign(), await check()]) {
      expect(answer.error).toMatchObject({ code: 1000, message: 'Network error', data: { reason: 'no_healthy_node' } });
    }
  });

  it('GET /blockchain/height failing → 1000 last_block_unavailable', async () => {
    const p = await proxy();
    p.fail(/^\/blockchain\/height/, 'error-500');
    await useNodes([p.url]);
    for (const answer of [await send(), await sign(), await check()]) {
      expect(answer.error).toMatchObject({ code: 1000, data: { reason: 'last_block_unavailable' } });
    }
  });

  it('the connection dropped while submitting → 1000 transaction_failed, with the hash to look for', async () => {
    const p = await proxy();
    p.fail(/^\/transaction\/raw/, 'drop');
    await useNodes([p.url]);
    const body = await send();
    expect(body.error).toMatchObject({ code: 1000, data: { reason: 'transaction_failed', possiblyDelivered: true } });
    expect(body.error.data.txHash).toMatch(/^[0-9A-F]{64}$/);
  });

  it.each([
    ['session.send_transaction', send],
    ['session.check_transaction', check],
  ])('%s: a node refusing a block outside its window → 1089 with the node code 89', async (_method, call) => {
    // The proxy keeps serving the last block of the moment it started; the node moves more than its
    // window of 100 blocks on, so the transaction references a height it no longer accepts.
    const stale = await startStaleHeightProxy(node.url);
    closers.push(() => stale.close());
    for (let i = 0; i < 101; i++) node.mineBlock();
    await useNodes([stale.url]);
    const body = await call();
    expect(body.error).toMatchObject({ code: 1089, message: 'Network error', data: { reason: 'node_rejected', code: 89 } });
    expect(body.error.data.message).toMatch(/unknown block height/);
  });

  it('a node going away between transactions: the others carry on', async () => {
    const [p1, p2] = [await proxy(), await proxy()];
    await useNodes([p1.url, p2.url]);
    const hashes: string[] = [];
    const sendOk = async () => {
      const body = await send();
      expect(body.error).toBeUndefined();
      hashes.push(body.result.txHash);
    };
    for (let i = 0; i < 2; i++) await sendOk();
    await p1.close();
    for (let i = 0; i < 3; i++) await sendOk();

    // A replacement comes in and the other original goes away.
    const p3 = await proxy();
    await useNodes([p2.url, p3.url]);
    await sendOk();
    await p2.close();
    for (let i = 0; i < 2; i++) await sendOk();

    const described = (await gw.call('admin.describe_network', { name: 'remote' })) as any;
    expect(described.health.map((h: any) => [h.url, h.ok])).toEqual([
      [p2.url, false],
      [p3.url, true],
    ]);
    for (const hash of hashes) expect(await landed(node, hash)).toMatchObject({ code: 0 });
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('one transaction per key at a time: parallel requests never overrun the per-block limit', async () => {
    // Proof of work hard enough to run on worker threads, so that requests really overlap in time,
    // two transactions per key and block, and blocks only on demand: exactly two requests of each key
    // can get through, whatever order they run in.
    const strict = await DevNode.start({ host: '127.0.0.1', port: 0, chainId: 'strict-chain', startHeight: 3000n, blockTimeMs: 0, powDifficulty: 12, txPerBlock: 2 });
    closers.push(() => strict.close());
    await useNodes([strict.url]);
    const [first, second] = dapp.keys as [string, string];
    const answers = await Promise.all([...Array.from({ length: 10 }, () => send(first)), ...Array.from({ length: 10 }, () => send(second))]);
    for (const answer of answers) {
      if (answer.error) expect(answer.error).toMatchObject({ code: 2001, data: { reason: 'spam_limit' } });
    }
    const succeeded = (from: number) => answers.slice(from, from + 10).filter((a) => a.result).map((a) => a.result.txHash as string);
    expect(succeeded(0)).toHaveLength(2);
    expect(succeeded(10)).toHaveLength(2);
    expect(strict.pendingTransactions).toBe(4);
    const block = strict.mineBlock();
    expect(block.transactions.map((t) => t.hash).sort()).toEqual([...succeeded(0), ...succeeded(10)].sort());
    expect(block.transactions.map((t) => t.code)).toEqual([0, 0, 0, 0]);
  });

  it('parallel transactions of one key get distinct tids and nonces and all land; two keys progress side by side', async () => {
    await useNodes([node.url]);
    const [first, second] = dapp.keys as [string, string];
    const sends = await Promise.all([...Array.from({ length: 10 }, () => send(first)), ...Array.from({ length: 10 }, () => send(second))]);
    for (const body of sends) expect(body.error).toBeUndefined();
    const hashes = sends.map((b) => b.result.txHash as string);
    expect(new Set(hashes).size).toBe(20);
    const found = await Promise.all(hashes.map((h) => landed(node, h)));
    for (const [i, tx] of found.entries()) expect(tx).toMatchObject({ code: 0, party: i < 10 ? first : second });

    const signed = await Promise.all(Array.from({ length: 10 }, () => sign(first)));
    for (const body of signed) expect(body.error).toBeUndefined();
    const parts = signed.map((b) => unpack(b.result));
    expect(new Set(parts.map((p) => p.tx.pow!.tid)).size).toBe(10);
    expect(new Set(parts.map((p) => p.input.nonce)).size).toBe(10);
    for (const { tx, input } of parts) {
      expectValidSignature(tx, node.chainId);
      expect(verifyProofOfWork(node.blockHashAt(input.blockHeight), tx.pow!.tid, tx.pow!.nonce, 2)).toBe(true);
    }
  });

  it('the caller going away during proof of work stops the search; the key is free again at once', async () => {
    // Difficulty 30 takes minutes of hashing on average: the request is certainly still searching when it is aborted.
    const hard = await DevNode.start({ host: '127.0.0.1', port: 0, chainId: 'hard-pow-chain', startHeight: 5000n, blockTimeMs: 0, powDifficulty: 30 });
    closers.push(() => hard.close());
    await useNodes([hard.url]);
    const abort = new AbortController();
    const asked = abortablePost(
      gw.gateway.applicationUrl,
      { jsonrpc: '2.0', id: 1, method: 'session.send_transaction', params: { token: dapp.token, publicKey: FIRST_KEY, sendingMode: 'TYPE_SYNC', encodedTransaction: encodeCommand(vote()) } },
      abort.signal,
    );
    await sleep(500);
    const logged = gw.logs.length;
    abort.abort();
    expect(await asked).toBe('aborted');
    expect(hard.pendingTransactions).toBe(0);
    // A caller leaving is not a failure of the gateway: nothing is logged as an error for it.
    const since = () => gw.logs.slice(logged);
    await eventually(() => (since().some((l) => l.includes('"caller went away"') && l.includes('send_transaction')) ? true : undefined), 3000, 'the debug line');
    expect(since().filter((l) => l.includes('"level":"error"'))).toEqual([]);

    // Back on a node of ordinary difficulty, the same key signs and sends without waiting for the abandoned search.
    await useNodes([node.url]);
    const started = Date.now();
    const body = await within(send(FIRST_KEY), 5000, 'the next transaction of the key');
    expect(body.error).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await landed(node, body.result.txHash)).toMatchObject({ code: 0 });
    expect(hard.pendingTransactions).toBe(0);
  });
});
