/**
 * The policy evaluator on its own: which rule decides a review, what the
 * default does, how host patterns match, which conditions a rule can name,
 * and what the audit log will be told decided.
 */
import { describe, expect, it } from '@jest/globals';
import { evaluatePolicy, hostMatches, type Policy, type PolicyRule, type PolicySubject } from '../../src/domain/review/policy.js';

const KEY_A = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';
const KEY_B = '0000000000000000000000000000000000000000000000000000000000000001';

const connection = (hostname: string): PolicySubject => ({ kind: 'connection', hostname, wallet: null });
const permissions = (hostname: string, wallet: string): PolicySubject => ({ kind: 'permissions', hostname, wallet });
const transaction = (hostname: string, wallet: string, commandType: string, publicKey: string): PolicySubject => ({
  kind: 'transaction',
  hostname,
  wallet,
  commandType,
  publicKey,
});
const policy = (rules: PolicyRule[], fallback: Policy['default'] = 'ask'): Policy => ({ rules, default: fallback });

describe('hostMatches', () => {
  it('"*" matches any host, with or without a port', () => {
    for (const host of ['vega.xyz', 'a.b.c.example', 'localhost:3000', 'x']) expect(hostMatches('*', host)).toBe(true);
  });

  it('"*.vega.xyz" matches subdomains at any depth but not the domain itself or look-alikes', () => {
    expect(hostMatches('*.vega.xyz', 'a.vega.xyz')).toBe(true);
    expect(hostMatches('*.vega.xyz', 'a.b.vega.xyz')).toBe(true);
    expect(hostMatches('*.vega.xyz', 'vega.xyz')).toBe(false);
    expect(hostMatches('*.vega.xyz', 'evilvega.xyz')).toBe(false);
    expect(hostMatches('*.vega.xyz', 'vega.xyz.evil.example')).toBe(false);
    expect(hostMatches('*.vega.xyz', 'a.vega.xyzz')).toBe(false);
  });

  it('an exact pattern matches only that host', () => {
    expect(hostMatches('vega.xyz', 'vega.xyz')).toBe(true);
    expect(hostMatches('vega.xyz', 'app.vega.xyz')).toBe(false);
    expect(hostMatches('vega.xyz', 'vega.xyz:8080')).toBe(false);
    expect(hostMatches('localhost:3000', 'localhost:3000')).toBe(true);
    expect(hostMatches('localhost:3000', 'localhost:3001')).toBe(false);
  });

  it('ignores letter case on both sides', () => {
    expect(hostMatches('VEGA.xyz', 'vega.XYZ')).toBe(true);
    expect(hostMatches('*.Vega.Xyz', 'APP.vega.xyz')).toBe(true);
    expect(hostMatches('*.vega.xyz', 'VEGA.XYZ')).toBe(false);
  });
});

describe('evaluatePolicy: order and default', () => {
  const approveVega: PolicyRule = { hostname: 'vega.xyz', kind: 'permissions', action: 'approve' };
  const rejectAll: PolicyRule = { hostname: '*', action: 'reject' };

  it('the first matching rule decides, so swapping two rules changes the verdict', () => {
    const subject = permissions('vega.xyz', 'my-wallet');
    expect(evaluatePolicy(policy([approveVega, rejectAll]), subject)).toEqual({ action: 'approve', decidedBy: 'policy rule 1' });
    expect(evaluatePolicy(policy([rejectAll, approveVega]), subject)).toEqual({ action: 'reject', decidedBy: 'policy rule 1' });
  });

  it('rules that do not match are skipped, and the 1-based number of the deciding rule is reported', () => {
    const rules: PolicyRule[] = [
      { hostname: 'other.example', action: 'reject' },
      { kind: 'transaction', action: 'reject' },
      { hostname: '*.vega.xyz', action: 'approve' },
    ];
    expect(evaluatePolicy(policy(rules), permissions('app.vega.xyz', 'w'))).toEqual({ action: 'approve', decidedBy: 'policy rule 3' });
  });

  it('the default decides when no rule matches, for each possible default', () => {
    const rules: PolicyRule[] = [{ hostname: 'vega.xyz', action: 'approve' }];
    for (const fallback of ['ask', 'approve', 'reject'] as const) {
      expect(evaluatePolicy(policy(rules, fallback), permissions('other.example', 'w'))).toEqual({ action: fallback, decidedBy: 'policy default' });
    }
    expect(evaluatePolicy(policy([], 'reject'), connection('vega.xyz'))).toEqual({ action: 'reject', decidedBy: 'policy default' });
  });

  it('a rule with no condition but its action matches everything', () => {
    expect(evaluatePolicy(policy([{ action: 'reject' }], 'approve'), transaction('x.example', 'w', 'transfer', KEY_A))).toEqual({
      action: 'reject',
      decidedBy: 'policy rule 1',
    });
  });
});

describe('evaluatePolicy: conditions', () => {
  it('kind: a rule for one kind of review ignores the others', () => {
    const p = policy([{ kind: 'permissions', action: 'reject' }], 'ask');
    expect(evaluatePolicy(p, permissions('vega.xyz', 'w')).action).toBe('reject');
    expect(evaluatePolicy(p, transaction('vega.xyz', 'w', 'transfer', KEY_A)).action).toBe('ask');
    expect(evaluatePolicy(p, connection('vega.xyz')).action).toBe('ask');
  });

  it('hostname patterns apply as hostMatches says', () => {
    const p = policy([{ hostname: '*.vega.xyz', kind: 'permissions', action: 'approve' }], 'reject');
    expect(evaluatePolicy(p, permissions('a.b.vega.xyz', 'w')).action).toBe('approve');
    expect(evaluatePolicy(p, permissions('A.VEGA.XYZ', 'w')).action).toBe('approve');
    expect(evaluatePolicy(p, permissions('vega.xyz', 'w')).action).toBe('reject');
    expect(evaluatePolicy(p, permissions('evilvega.xyz', 'w')).action).toBe('reject');
  });

  it('wallet is a condition for permissions and transactions', () => {
    const p = policy([{ wallet: 'trading', action: 'approve' }], 'reject');
    expect(evaluatePolicy(p, permissions('vega.xyz', 'trading')).action).toBe('approve');
    expect(evaluatePolicy(p, permissions('vega.xyz', 'savings')).action).toBe('reject');
    expect(evaluatePolicy(p, transaction('vega.xyz', 'trading', 'transfer', KEY_A)).action).toBe('approve');
    expect(evaluatePolicy(p, transaction('vega.xyz', 'savings', 'transfer', KEY_A)).action).toBe('reject');
  });

  it('for a connection, wallet is the wallet to connect rather than a condition', () => {
    const p = policy([{ hostname: 'vega.xyz', wallet: 'trading', action: 'approve' }], 'reject');
    // A connection has no wallet yet; the rule still matches and names the wallet.
    expect(evaluatePolicy(p, connection('vega.xyz'))).toEqual({ action: 'approve', decidedBy: 'policy rule 1', wallet: 'trading' });
  });

  it('an approving connection rule without a wallet leaves the choice to a person', () => {
    const p = policy([{ hostname: 'vega.xyz', action: 'approve' }], 'reject');
    expect(evaluatePolicy(p, connection('vega.xyz'))).toEqual({ action: 'ask', decidedBy: 'policy rule 1' });
    // The same rule approves other kinds outright.
    expect(evaluatePolicy(p, permissions('vega.xyz', 'w'))).toEqual({ action: 'approve', decidedBy: 'policy rule 1' });
  });

  it('rejecting and asking connection rules need no wallet', () => {
    expect(evaluatePolicy(policy([{ kind: 'connection', action: 'reject' }]), connection('vega.xyz'))).toEqual({ action: 'reject', decidedBy: 'policy rule 1' });
    expect(evaluatePolicy(policy([{ kind: 'connection', action: 'ask' }], 'approve'), connection('vega.xyz'))).toEqual({
      action: 'ask',
      decidedBy: 'policy rule 1',
    });
  });

  it('commandType matches only that command', () => {
    const p = policy([{ kind: 'transaction', commandType: 'transfer', action: 'reject' }], 'approve');
    expect(evaluatePolicy(p, transaction('vega.xyz', 'w', 'transfer', KEY_A)).action).toBe('reject');
    expect(evaluatePolicy(p, transaction('vega.xyz', 'w', 'voteSubmission', KEY_A)).action).toBe('approve');
    // A review without a command (permissions) never matches a commandType condition.
    expect(evaluatePolicy(policy([{ commandType: 'transfer', action: 'reject' }], 'approve'), permissions('vega.xyz', 'w')).action).toBe('approve');
  });

  it('publicKey matches only that key', () => {
    const p = policy([{ publicKey: KEY_A, action: 'approve' }], 'reject');
    expect(evaluatePolicy(p, transaction('vega.xyz', 'w', 'transfer', KEY_A)).action).toBe('approve');
    expect(evaluatePolicy(p, transaction('vega.xyz', 'w', 'transfer', KEY_B)).action).toBe('reject');
    expect(evaluatePolicy(p, permissions('vega.xyz', 'w')).action).toBe('reject');
  });

  it('every condition of a rule must hold', () => {
    const rule: PolicyRule = { hostname: '*.vega.xyz', wallet: 'trading', kind: 'transaction', commandType: 'voteSubmission', publicKey: KEY_A, action: 'approve' };
    const p = policy([rule], 'reject');
    expect(evaluatePolicy(p, transaction('app.vega.xyz', 'trading', 'voteSubmission', KEY_A)).action).toBe('approve');
    expect(evaluatePolicy(p, transaction('app.other.xyz', 'trading', 'voteSubmission', KEY_A)).action).toBe('reject');
    expect(evaluatePolicy(p, transaction('app.vega.xyz', 'savings', 'voteSubmission', KEY_A)).action).toBe('reject');
    expect(evaluatePolicy(p, transaction('app.vega.xyz', 'trading', 'transfer', KEY_A)).action).toBe('reject');
    expect(evaluatePolicy(p, transaction('app.vega.xyz', 'trading', 'voteSubmission', KEY_B)).action).toBe('reject');
  });
});
