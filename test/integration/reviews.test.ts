/**
 * Reviews on a live gateway: how each one ends (decision, timeout, the caller
 * going away, shutdown, a policy rule), what reviewers connected over
 * WebSocket hear, the checks on a decision, the policy document, and the
 * audit log that records every ending.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { type RawData } from 'ws';
import { admin, session as app, FIRST_KEY, importSeedWallet, startWalletGateway, WALLET } from '../helpers/app.js';
import { SEED_PASSPHRASE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { auditEvents, connectApp, nextReview, pendingReviews, type PendingReview } from '../helpers/review.js';
import { sleep } from '../helpers/time.js';


// ---- clients

const connect = (gw: TestGateway, hostname: string) => app(gw, 'session.connect_wallet', { hostname });

/** Polls until `check` holds, the way a person refreshing a screen would; fails after `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`the condition did not hold within ${ms} ms`);
    await sleep(10);
  }
}

/** The application door still answers after a caller went away. */
async function doorStillAnswers(gw: TestGateway): Promise<void> {
  const answer = await app(gw, 'session.get_permissions', { token: 'never-issued-token' });
  expect(answer.error.code).toBe(-32003);
}

/**
 * POSTs a request to the application door that `signal` can abort. It uses node:http without keep-alive
 * rather than fetch: after an abort, fetch opens a spare connection that would hold up the gateway's
 * shutdown for its 2-second grace period.
 */
function abortablePost(gw: TestGateway, body: unknown, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    const req = request(gw.gateway.applicationUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false, signal }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', resolve);
    });
    req.on('error', resolve);
    req.end(JSON.stringify(body));
  });
}

/** A WebSocket client that keeps every frame it receives. */
interface Socket {
  ws: WebSocket;
  frames: any[];
  send(message: unknown): void;
  /** The first frame (already received or still to come) that `match` accepts. */
  waitFor(match: (frame: any) => boolean, ms?: number): Promise<any>;
  close(): Promise<void>;
}

const openSockets: WebSocket[] = [];

async function openSocket(httpUrl: string, headers: Record<string, string> = {}): Promise<Socket> {
  const ws = new WebSocket(httpUrl.replace(/^http/, 'ws'), { headers });
  openSockets.push(ws);
  const frames: any[] = [];
  const listeners = new Set<() => void>();
  ws.on('message', (data: RawData) => {
    frames.push(JSON.parse(data.toString()));
    for (const listener of [...listeners]) listener();
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)));
  });
  return {
    ws,
    frames,
    send: (message) => ws.send(JSON.stringify(message)),
    waitFor(match, ms = 3000) {
      const found = frames.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`no matching frame within ${ms} ms; received ${JSON.stringify(frames)}`));
        }, ms);
        const listener = () => {
          const frame = frames.find(match);
          if (frame) {
            clearTimeout(timer);
            listeners.delete(listener);
            resolve(frame);
          }
        };
        listeners.add(listener);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

const reviewerSocket = (gw: TestGateway) => openSocket(gw.gateway.operatorUrl, { authorization: `Bearer ${gw.gateway.adminToken}` });
const applicationSocket = (gw: TestGateway) => openSocket(gw.gateway.applicationUrl);
const answerTo = (id: unknown) => (frame: any) => frame.id === id;
const notification = (method: string) => (frame: any) => frame.method === method;

afterEach(() => {
  for (const ws of openSockets.splice(0)) ws.terminate();
});

// ---- tests

describe('a review nobody decides', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startWalletGateway({ reviewTimeoutSeconds: 1 });
  });
  afterEach(async () => {
    await gw.close();
  });

  it('times out with -32001, leaves the list and is recorded as timed_out by timeout', async () => {
    const started = Date.now();
    const asked = connect(gw, 'vega.xyz');
    const review = await nextReview(gw);
    const pending = (await pendingReviews(gw)) as (PendingReview & { receivedAt: string; expiresAt: string })[];
    expect(pending).toHaveLength(1);
    expect(Date.parse(pending[0]!.expiresAt) - Date.parse(pending[0]!.receivedAt)).toBe(1000);

    const answer = await asked;
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(answer.result).toBeUndefined();
    expect(answer.error.code).toBe(-32001);
    expect(answer.error.data.reason).toBe('review_timed_out');

    expect(await pendingReviews(gw)).toEqual([]);
    const [event] = await auditEvents(gw);
    expect(event).toMatchObject({ reviewId: review.id, kind: 'connection', hostname: 'vega.xyz', wallet: null, outcome: 'timed_out', decidedBy: 'timeout' });

    // Deciding it late is an error, and changes nothing.
    const late = await admin(gw, 'admin.decide_review', { id: review.id, approved: true, wallet: WALLET });
    expect(late.error.code).toBe(2000);
    expect(late.error.data.reason).toBe('review_not_found');
    expect(await gw.call('admin.list_connections')).toEqual({ connections: [] });
  });
});

describe('the caller going away', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startWalletGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  it('over HTTP: an aborted request ends its review, recorded as interrupted by caller', async () => {
    const abort = new AbortController();
    const asked = abortablePost(gw, { jsonrpc: '2.0', id: 1, method: 'session.connect_wallet', params: { hostname: 'vega.xyz' } }, abort.signal);
    const review = await nextReview(gw);
    abort.abort();
    await asked;
    await doorStillAnswers(gw);

    await eventually(async () => (await pendingReviews(gw)).length === 0);
    const [event] = await auditEvents(gw);
    expect(event).toMatchObject({ reviewId: review.id, hostname: 'vega.xyz', outcome: 'interrupted', decidedBy: 'caller' });
    const late = await admin(gw, 'admin.decide_review', { id: review.id, approved: true, wallet: WALLET });
    expect(late.error.data.reason).toBe('review_not_found');
  });

  it("over WebSocket: closing the application's socket ends its review the same way", async () => {
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    const socket = await applicationSocket(gw);
    socket.send({ jsonrpc: '2.0', id: 7, method: 'session.request_permissions', params: { token, requestedPermissions: { public_keys: 'read' } } });
    const review = await nextReview(gw);
    expect(review.kind).toBe('permissions');
    await socket.close();

    await eventually(async () => (await pendingReviews(gw)).length === 0);
    const [event] = await auditEvents(gw);
    expect(event).toMatchObject({ reviewId: review.id, kind: 'permissions', wallet: WALLET, outcome: 'interrupted', decidedBy: 'caller' });
    // Nothing was granted.
    expect((await app(gw, 'session.get_permissions', { token })).result).toEqual({ public_keys: 'none' });
  });
});

describe('shutdown', () => {
  it('answers 3000 to callers waiting over HTTP and over WebSocket, and records closed by gateway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wallet-gateway-shutdown-'));
    try {
      const gw = await startTestGateway({}, dir);
      let overHttp: Promise<any>;
      let socket: Socket;
      try {
        await importSeedWallet(gw);
        overHttp = connect(gw, 'vega.xyz');
        await nextReview(gw);
        socket = await applicationSocket(gw);
        socket.send({ jsonrpc: '2.0', id: 'ws-1', method: 'session.connect_wallet', params: { hostname: 'console.example' } });
        await eventually(async () => (await pendingReviews(gw)).length === 2);
      } finally {
        await gw.close();
      }

      const httpAnswer = await overHttp;
      expect(httpAnswer.result).toBeUndefined();
      expect(httpAnswer.error.code).toBe(3000);
      const wsAnswer = await socket.waitFor(answerTo('ws-1'));
      expect(wsAnswer.result).toBeUndefined();
      expect(wsAnswer.error.code).toBe(3000);

      const again = await startTestGateway({}, dir);
      try {
        const events = await auditEvents(again, { outcome: 'closed' });
        expect(events.map((e) => [e.hostname, e.decidedBy]).sort()).toEqual([
          ['console.example', 'gateway'],
          ['vega.xyz', 'gateway'],
        ]);
        expect(await pendingReviews(again)).toEqual([]);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reviewers on the operator door', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startWalletGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  it('all hear of a review; the first decision wins; the application gets one answer', async () => {
    const alice = await reviewerSocket(gw);
    const bob = await reviewerSocket(gw);
    const bystander = await applicationSocket(gw);
    const application = await applicationSocket(gw);

    const before = Date.now();
    application.send({ jsonrpc: '2.0', id: 'connect', method: 'session.connect_wallet', params: { hostname: 'vega.xyz' } });

    const toAlice = await alice.waitFor(notification('admin.review_requested'));
    const toBob = await bob.waitFor(notification('admin.review_requested'));
    expect(toAlice).toEqual(toBob);
    expect(toAlice.jsonrpc).toBe('2.0');
    expect(toAlice.id).toBeUndefined();
    const review = toAlice.params;
    expect(review).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      kind: 'connection',
      hostname: 'vega.xyz',
      wallet: null,
      details: {},
      receivedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(Date.parse(review.receivedAt)).toBeGreaterThanOrEqual(before - 5);
    expect(Date.parse(review.expiresAt) - Date.parse(review.receivedAt)).toBe(300 * 1000);
    // The same review the polling reviewer sees.
    expect(await pendingReviews(gw)).toEqual([review]);

    alice.send({ jsonrpc: '2.0', id: 'decide', method: 'admin.decide_review', params: { id: review.id, approved: true, wallet: WALLET } });
    expect((await alice.waitFor(answerTo('decide'))).result).toEqual({});

    const ended = { id: review.id, outcome: 'approved', decidedBy: 'operator' };
    expect((await alice.waitFor(notification('admin.review_ended'))).params).toEqual(ended);
    expect((await bob.waitFor(notification('admin.review_ended'))).params).toEqual(ended);

    bob.send({ jsonrpc: '2.0', id: 'too-late', method: 'admin.decide_review', params: { id: review.id, approved: false } });
    const tooLate = await bob.waitFor(answerTo('too-late'));
    expect(tooLate.error.code).toBe(2000);
    expect(tooLate.error.data.reason).toBe('review_not_found');

    const answer = await application.waitFor(answerTo('connect'));
    expect(answer.result.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await app(gw, 'session.get_permissions', { token: answer.result.token })).result).toEqual({ public_keys: 'none' });

    // Give stray frames a chance to arrive, then count.
    await sleep(150);
    expect(application.frames).toEqual([answer]);
    expect(bystander.frames).toEqual([]);
    expect(alice.frames.filter((f) => f.method !== undefined).map((f) => f.method)).toEqual(['admin.review_requested', 'admin.review_ended']);
    expect(bob.frames.map((f) => f.method ?? f.id)).toEqual(['admin.review_requested', 'admin.review_ended', 'too-late']);

    const events = await auditEvents(gw);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ reviewId: review.id, wallet: WALLET, outcome: 'approved', decidedBy: 'operator' });
  });

  it('hear reviews that end without a decision too', async () => {
    const reviewer = await reviewerSocket(gw);
    const abort = new AbortController();
    const asked = abortablePost(gw, { jsonrpc: '2.0', id: 1, method: 'session.connect_wallet', params: { hostname: 'vega.xyz' } }, abort.signal);
    const { params: review } = await reviewer.waitFor(notification('admin.review_requested'));
    abort.abort();
    await asked;
    await doorStillAnswers(gw);
    expect((await reviewer.waitFor(notification('admin.review_ended'))).params).toEqual({ id: review.id, outcome: 'interrupted', decidedBy: 'caller' });
  });
});

describe('decide_review checks', () => {
  let gw: TestGateway;
  let asked: Promise<any>;
  let review: PendingReview;
  beforeEach(async () => {
    gw = await startWalletGateway();
    asked = connect(gw, 'vega.xyz');
    review = await nextReview(gw);
  });
  afterEach(async () => {
    await gw.close();
    await asked;
  });

  it('approving a connection without a wallet is invalid and leaves the review pending', async () => {
    const answer = await admin(gw, 'admin.decide_review', { id: review.id, approved: true });
    expect(answer.error.code).toBe(-32602);
    expect(answer.error.data.path).toBe('/wallet');
    expect((await pendingReviews(gw)).map((r) => r.id)).toEqual([review.id]);
    expect(await auditEvents(gw)).toEqual([]);

    // Rejecting needs no wallet.
    await gw.call('admin.decide_review', { id: review.id, approved: false });
    expect((await asked).error.code).toBe(3001);
  });

  it('approving with an unknown wallet is refused and leaves the review pending', async () => {
    const answer = await admin(gw, 'admin.decide_review', { id: review.id, approved: true, wallet: 'no-such-wallet' });
    expect(answer.error.code).toBe(2000);
    expect(answer.error.data).toMatchObject({ reason: 'wallet_not_found', wallet: 'no-such-wallet' });
    expect((await pendingReviews(gw)).map((r) => r.id)).toEqual([review.id]);
    expect(await auditEvents(gw)).toEqual([]);
  });

  it('a passphrase given with the approval unlocks the chosen wallet', async () => {
    const sign = { wallet: WALLET, publicKey: FIRST_KEY, encodedMessage: Buffer.from('hello').toString('base64') };
    expect((await admin(gw, 'admin.sign_message', sign)).error.data.reason).toBe('wallet_locked');

    await gw.call('admin.decide_review', { id: review.id, approved: true, wallet: WALLET, passphrase: SEED_PASSPHRASE });
    expect((await asked).result.token).toEqual(expect.any(String));
    const signed = (await gw.call('admin.sign_message', sign)) as { encodedSignature: string };
    expect(Buffer.from(signed.encodedSignature, 'base64')).toHaveLength(64);
  });

  it('a named reviewer is kept in the record and told to other reviewers; the application hears only "operator"', async () => {
    const other = await reviewerSocket(gw);
    await gw.call('admin.decide_review', { id: review.id, approved: false, reviewer: 'alice at desk-2' });
    expect((await other.waitFor(notification('admin.review_ended'))).params).toEqual({ id: review.id, outcome: 'rejected', decidedBy: 'operator (alice at desk-2)' });
    const answer = await asked;
    expect(answer.error.code).toBe(3001);
    expect(answer.error.data.decidedBy).toBe('operator');
    expect(JSON.stringify(answer)).not.toContain('alice');
    expect((await auditEvents(gw))[0]).toMatchObject({ reviewId: review.id, outcome: 'rejected', decidedBy: 'operator (alice at desk-2)' });
  });

  it.each([
    ['empty', ''],
    ['a line break', 'alice\nbob'],
    ['65 characters', 'a'.repeat(65)],
    ['not a string', 42],
  ])('a reviewer name that is %s is invalid and leaves the review pending', async (_what, reviewer) => {
    const answer = await admin(gw, 'admin.decide_review', { id: review.id, approved: false, reviewer });
    expect(answer.error.code).toBe(-32602);
    expect(answer.error.data.path).toBe('/reviewer');
    expect((await pendingReviews(gw)).map((r) => r.id)).toEqual([review.id]);
    expect(await auditEvents(gw)).toEqual([]);
  });

  it('a wrong passphrase is refused and leaves the review pending', async () => {
    const answer = await admin(gw, 'admin.decide_review', { id: review.id, approved: true, wallet: WALLET, passphrase: 'not-the-passphrase' });
    expect(answer.error.code).toBe(2000);
    expect(answer.error.data.reason).toBe('wrong_passphrase');
    expect((await pendingReviews(gw)).map((r) => r.id)).toEqual([review.id]);
  });
});

describe('a review that ends while its approval is being checked', () => {
  it('answers review_not_found and leaves the wallet locked, although the passphrase was right', async () => {
    // A costly key derivation (~0.1-0.3 s here) for the wallet, so that the caller can leave while the passphrase is checked.
    const gw = await startWalletGateway({ scryptCost: { N: 2 ** 15, r: 8, p: 1 } });
    try {
      const abort = new AbortController();
      const asked = abortablePost(gw, { jsonrpc: '2.0', id: 1, method: 'session.connect_wallet', params: { hostname: 'vega.xyz' } }, abort.signal);
      const review = await nextReview(gw);
      const deciding = admin(gw, 'admin.decide_review', { id: review.id, approved: true, wallet: WALLET, passphrase: SEED_PASSPHRASE });
      await sleep(20);
      abort.abort();
      await asked;

      const answer = await deciding;
      expect(answer.error).toMatchObject({ code: 2000, data: { reason: 'review_not_found' } });
      const [event] = await auditEvents(gw);
      expect(event).toMatchObject({ reviewId: review.id, outcome: 'interrupted', decidedBy: 'caller' });
      const sign = { wallet: WALLET, publicKey: FIRST_KEY, encodedMessage: Buffer.from('hello').toString('base64') };
      expect((await admin(gw, 'admin.sign_message', sign)).error.data.reason).toBe('wallet_locked');
    } finally {
      await gw.close();
    }
  });
});

describe('policy', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startWalletGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  const setPolicy = (policy: unknown) => gw.call('admin.set_policy', { policy });

  it('set_policy and get_policy round-trip; a new gateway asks for everything', async () => {
    expect(await gw.call('admin.get_policy')).toEqual({ policy: { rules: [], default: 'ask' } });
    const policy = {
      rules: [
        { hostname: '*.vega.xyz', kind: 'connection', wallet: WALLET, action: 'approve', description: 'our own front ends' },
        { kind: 'transaction', commandType: 'transfer', publicKey: FIRST_KEY, action: 'reject' },
        { hostname: '*', action: 'ask' },
      ],
      default: 'reject',
    };
    expect(await setPolicy(policy)).toEqual({ policy });
    expect(await gw.call('admin.get_policy')).toEqual({ policy });
  });

  it('an approving rule connects a matching host with no review, and the audit log names the rule', async () => {
    await setPolicy({ rules: [{ hostname: '*.vega.xyz', kind: 'connection', wallet: WALLET, action: 'approve' }], default: 'ask' });

    const answer = await connect(gw, 'app.vega.xyz');
    expect(answer.result.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await pendingReviews(gw)).toEqual([]);
    expect((await app(gw, 'session.get_permissions', { token: answer.result.token })).result).toEqual({ public_keys: 'none' });
    expect(((await gw.call('admin.list_connections')) as { connections: any[] }).connections.map((c) => [c.wallet, c.hostname])).toEqual([
      [WALLET, 'app.vega.xyz'],
    ]);
    const [event] = await auditEvents(gw);
    expect(event).toMatchObject({ kind: 'connection', hostname: 'app.vega.xyz', wallet: WALLET, outcome: 'approved', decidedBy: 'policy rule 1' });

    // vega.xyz itself is not a subdomain: a person is asked.
    const asked = connect(gw, 'vega.xyz');
    const review = await nextReview(gw);
    expect(review.hostname).toBe('vega.xyz');
    await gw.call('admin.decide_review', { id: review.id, approved: false });
    expect((await asked).error.code).toBe(3001);
  });

  it('an approving rule for permissions grants them with no review', async () => {
    await setPolicy({ rules: [{ kind: 'permissions', wallet: WALLET, hostname: 'vega.xyz', action: 'approve' }], default: 'ask' });
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    const answer = await app(gw, 'session.request_permissions', { token, requestedPermissions: { public_keys: 'read' } });
    expect(answer.result).toEqual({ permissions: { public_keys: 'read' } });
    expect((await app(gw, 'session.list_keys', { token })).result).toEqual([FIRST_KEY]);
    expect((await auditEvents(gw, { kind: 'permissions' }))[0]).toMatchObject({ outcome: 'approved', decidedBy: 'policy rule 1', wallet: WALLET });
  });

  it('a rejecting rule answers 3001 at once', async () => {
    await setPolicy({ rules: [{ hostname: 'ok.example', kind: 'connection', action: 'ask' }, { hostname: 'evil.example', action: 'reject' }], default: 'ask' });
    const answer = await connect(gw, 'evil.example');
    expect(answer.error.code).toBe(3001);
    expect(await pendingReviews(gw)).toEqual([]);
    expect((await auditEvents(gw))[0]).toMatchObject({ hostname: 'evil.example', outcome: 'rejected', decidedBy: 'policy rule 2' });
  });

  it('the first matching rule wins: an ask rule before an approve rule leaves the review to a person', async () => {
    await setPolicy({
      rules: [
        { hostname: 'app.vega.xyz', action: 'ask' },
        { hostname: '*.vega.xyz', kind: 'connection', wallet: WALLET, action: 'approve' },
      ],
      default: 'reject',
    });
    const asked = connect(gw, 'app.vega.xyz');
    const review = await nextReview(gw);
    expect(review.hostname).toBe('app.vega.xyz');
    expect(await auditEvents(gw)).toEqual([]);
    await gw.call('admin.decide_review', { id: review.id, approved: true, wallet: WALLET });
    expect((await asked).result.token).toEqual(expect.any(String));

    // Another subdomain passes the first rule and the second approves it.
    expect((await connect(gw, 'b.vega.xyz')).result.token).toEqual(expect.any(String));
  });

  it('the default decides when no rule matches', async () => {
    await setPolicy({ rules: [{ hostname: '*.vega.xyz', kind: 'connection', wallet: WALLET, action: 'approve' }], default: 'reject' });
    const answer = await connect(gw, 'other.example');
    expect(answer.error.code).toBe(3001);
    expect(await pendingReviews(gw)).toEqual([]);
    expect((await auditEvents(gw))[0]).toMatchObject({ hostname: 'other.example', outcome: 'rejected', decidedBy: 'policy default' });
  });

  it('an invalid policy is refused and the previous one stays', async () => {
    const kept = { rules: [{ hostname: 'vega.xyz', action: 'reject' }], default: 'ask' };
    await setPolicy(kept);

    const unknownAction = await admin(gw, 'admin.set_policy', { policy: { rules: [{ action: 'allow' }], default: 'approve' } });
    expect(unknownAction.error.code).toBe(-32602);
    expect(unknownAction.error.data.path).toBe('/policy/rules/0/action');

    const extraField = await admin(gw, 'admin.set_policy', { policy: { rules: [{ action: 'approve', origin: 'vega.xyz' }], default: 'approve' } });
    expect(extraField.error.code).toBe(-32602);
    expect(extraField.error.data.rule).toBe('additionalProperties');

    expect(await gw.call('admin.get_policy')).toEqual({ policy: kept });
    // And it is the one applied.
    expect((await connect(gw, 'vega.xyz')).error.code).toBe(3001);
  });
});

describe('the audit log', () => {
  it('records every way a review ends, newest first, with who decided', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wallet-gateway-audit-'));
    try {
      const gw = await startTestGateway({ reviewTimeoutSeconds: 1 }, dir);
      let closing: Promise<any>;
      try {
        await importSeedWallet(gw);
        // operator: approved, then rejected
        const token = await connectApp(gw, 'approved.example', WALLET);
        const rejected = connect(gw, 'rejected.example');
        await gw.call('admin.decide_review', { id: (await nextReview(gw)).id, approved: false });
        expect((await rejected).error.code).toBe(3001);
        // timeout
        expect((await app(gw, 'session.request_permissions', { token, requestedPermissions: { public_keys: 'read' } })).error.code).toBe(-32001);
        // caller
        const abort = new AbortController();
        const aborted = abortablePost(gw, { jsonrpc: '2.0', id: 1, method: 'session.connect_wallet', params: { hostname: 'gone.example' } }, abort.signal);
        await nextReview(gw);
        abort.abort();
        await aborted;
        await eventually(async () => (await pendingReviews(gw)).length === 0);
        // policy rule N and policy default
        await gw.call('admin.set_policy', {
          policy: { rules: [{ hostname: 'nobody.example', action: 'ask' }, { hostname: 'ruled.example', wallet: WALLET, action: 'approve' }], default: 'reject' },
        });
        expect((await connect(gw, 'ruled.example')).result.token).toEqual(expect.any(String));
        expect((await connect(gw, 'defaulted.example')).error.code).toBe(3001);
        // gateway: a review pending at shutdown
        await gw.call('admin.set_policy', { policy: { rules: [], default: 'ask' } });
        closing = connect(gw, 'closing.example');
        await nextReview(gw);
      } finally {
        await gw.close();
      }
      expect((await closing).error.code).toBe(3000);

      const again = await startTestGateway({}, dir);
      try {
        const events = await auditEvents(again);
        expect(events.map((e) => [e.kind, e.hostname, e.outcome, e.decidedBy])).toEqual([
          ['connection', 'closing.example', 'closed', 'gateway'],
          ['connection', 'defaulted.example', 'rejected', 'policy default'],
          ['connection', 'ruled.example', 'approved', 'policy rule 2'],
          ['connection', 'gone.example', 'interrupted', 'caller'],
          ['permissions', 'approved.example', 'timed_out', 'timeout'],
          ['connection', 'rejected.example', 'rejected', 'operator'],
          ['connection', 'approved.example', 'approved', 'operator'],
        ]);
        // Ids grow with time; newest first means decreasing ids and non-increasing times.
        const ids = events.map((e) => e.id);
        expect([...ids].sort((a, b) => b - a)).toEqual(ids);
        const times = events.map((e) => Date.parse(e.at));
        expect([...times].sort((a, b) => b - a)).toEqual(times);
        // Wallets: the chosen one for approved connections, the connection's for permissions, none otherwise.
        expect(events.map((e) => e.wallet)).toEqual([null, null, WALLET, null, WALLET, null, WALLET]);
        expect(events[4].details).toEqual({ requested: { public_keys: 'read' }, current: { public_keys: 'none' } });
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('filters by wallet, hostname, kind, outcome, since and limit, and the filters combine', async () => {
    const gw = await startTestGateway();
    try {
      await importSeedWallet(gw);
      await importSeedWallet(gw, 'other-wallet');
      const mine = await connectApp(gw, 'vega.xyz', WALLET);
      await connectApp(gw, 'vega.xyz', 'other-wallet');
      await sleep(5);
      const since = new Date().toISOString();
      await sleep(5);
      const rejected = connect(gw, 'console.example');
      await gw.call('admin.decide_review', { id: (await nextReview(gw)).id, approved: false });
      await rejected;
      const asked = app(gw, 'session.request_permissions', { token: mine, requestedPermissions: { public_keys: 'read' } });
      await gw.call('admin.decide_review', { id: (await nextReview(gw)).id, approved: true });
      await asked;

      const summary = (events: any[]) => events.map((e) => `${e.kind} ${e.hostname} ${e.wallet} ${e.outcome}`);
      expect(summary(await auditEvents(gw))).toEqual([
        `permissions vega.xyz ${WALLET} approved`,
        'connection console.example null rejected',
        'connection vega.xyz other-wallet approved',
        `connection vega.xyz ${WALLET} approved`,
      ]);
      expect(summary(await auditEvents(gw, { wallet: WALLET }))).toEqual([`permissions vega.xyz ${WALLET} approved`, `connection vega.xyz ${WALLET} approved`]);
      expect(summary(await auditEvents(gw, { hostname: 'console.example' }))).toEqual(['connection console.example null rejected']);
      expect(summary(await auditEvents(gw, { kind: 'permissions' }))).toEqual([`permissions vega.xyz ${WALLET} approved`]);
      expect(summary(await auditEvents(gw, { outcome: 'rejected' }))).toEqual(['connection console.example null rejected']);
      expect(summary(await auditEvents(gw, { since }))).toEqual([`permissions vega.xyz ${WALLET} approved`, 'connection console.example null rejected']);
      expect(summary(await auditEvents(gw, { limit: 1 }))).toEqual([`permissions vega.xyz ${WALLET} approved`]);
      expect(summary(await auditEvents(gw, { limit: 3 }))).toHaveLength(3);
      expect(summary(await auditEvents(gw, { hostname: 'vega.xyz', kind: 'connection', wallet: 'other-wallet' }))).toEqual([
        'connection vega.xyz other-wallet approved',
      ]);
      expect(await auditEvents(gw, { hostname: 'vega.xyz', outcome: 'rejected' })).toEqual([]);
      expect(await auditEvents(gw, { since: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    } finally {
      await gw.close();
    }
  });
});
