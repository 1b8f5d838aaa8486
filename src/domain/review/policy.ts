import type { Policy, PolicyAction, PolicyRule, ReviewKind } from '../../../generated/types.js';

export type { Policy, PolicyAction, PolicyRule };

export const ASK_EVERYTHING: Policy = { rules: [], default: 'ask' };

/** What a rule can look at. */
export interface PolicySubject {
  kind: ReviewKind;
  hostname: string;
  /** The wallet concerned; null for a connection, which has none yet. */
  wallet: string | null;
  commandType?: string;
  publicKey?: string;
}

export interface PolicyVerdict {
  action: PolicyAction;
  /** Who decided, for the audit log: "policy rule N" (1-based) or "policy default". */
  decidedBy: string;
  /** For an approved connection: the wallet the rule connects. */
  wallet?: string;
}

/** `*` matches any host, `*.example.com` its subdomains (not example.com itself), anything else only itself. Case-insensitive. */
export function hostMatches(pattern: string, hostname: string): boolean {
  const host = hostname.toLowerCase();
  const p = pattern.toLowerCase();
  if (p === '*') return true;
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return host === p;
}

function ruleMatches(rule: PolicyRule, subject: PolicySubject): boolean {
  if (rule.kind !== undefined && rule.kind !== subject.kind) return false;
  if (rule.hostname !== undefined && !hostMatches(rule.hostname, subject.hostname)) return false;
  // For a connection the rule's wallet is the one to connect, not a condition.
  if (rule.wallet !== undefined && subject.kind !== 'connection' && rule.wallet !== subject.wallet) return false;
  if (rule.commandType !== undefined && rule.commandType !== subject.commandType) return false;
  if (rule.publicKey !== undefined && rule.publicKey !== subject.publicKey) return false;
  return true;
}

/** The first matching rule decides; none matching, the default does. */
export function evaluatePolicy(policy: Policy, subject: PolicySubject): PolicyVerdict {
  const index = policy.rules.findIndex((rule) => ruleMatches(rule, subject));
  const rule = policy.rules[index];
  if (!rule) {
    // The default names no wallet either, so for a connection "approve" can only mean: let a person choose.
    const action = policy.default === 'approve' && subject.kind === 'connection' ? 'ask' : policy.default;
    return { action, decidedBy: 'policy default' };
  }
  const decidedBy = `policy rule ${index + 1}`;
  if (rule.action === 'approve' && subject.kind === 'connection') {
    // Approving a connection means choosing a wallet; a rule that names none leaves the choice to a person.
    return rule.wallet === undefined ? { action: 'ask', decidedBy } : { action: 'approve', decidedBy, wallet: rule.wallet };
  }
  return { action: rule.action, decidedBy };
}
