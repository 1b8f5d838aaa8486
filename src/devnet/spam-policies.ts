/**
 * Per-epoch spam policies (the counters of GetSpamStatistics other than pow).
 * A real node counts some commands per party and epoch and refuses more than
 * a maximum with code 89; wallets read these counters to refuse early. The
 * dev node has no staking, so the token requirement is always "0".
 *
 * Limits are the illustrative values of facts §2.4 — plausible, small enough
 * that a developer can hit them on purpose.
 */
import { readFields } from '../domain/vega/wire.js';
import { spam } from './codes.js';

export const POLICY_NAMES = [
  'proposals',
  'delegations',
  'transfers',
  'nodeAnnouncements',
  'issueSignatures',
  'createReferralSet',
  'updateReferralSet',
  'applyReferralCode',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export const POLICY_LIMITS: Record<PolicyName | 'votes', number> = {
  proposals: 3,
  delegations: 390,
  transfers: 20,
  nodeAnnouncements: 1,
  issueSignatures: 10,
  createReferralSet: 3,
  updateReferralSet: 3,
  applyReferralCode: 5,
  /** Per proposal. */
  votes: 3,
};

const POLICY_OF_COMMAND = new Map<number, PolicyName>([
  [1005, 'proposals'],
  [1023, 'proposals'],
  [1008, 'delegations'],
  [1009, 'delegations'],
  [1012, 'transfers'],
  [1014, 'nodeAnnouncements'],
  [2010, 'issueSignatures'],
  [1018, 'createReferralSet'],
  [1019, 'updateReferralSet'],
  [1020, 'applyReferralCode'],
]);
const VOTE_SUBMISSION = 1006;

/** What a command counts against: a policy, a proposal's vote counter, or nothing. */
export type PolicyKey = { kind: 'policy'; name: PolicyName } | { kind: 'vote'; proposal: string };

export function policyKeyOf(commandField: number, command: Uint8Array): PolicyKey | undefined {
  const name = POLICY_OF_COMMAND.get(commandField);
  if (name) return { kind: 'policy', name };
  if (commandField !== VOTE_SUBMISSION) return undefined;
  // Votes are limited per proposal, so the proposal id (VoteSubmission field 1) is the one thing read from the command.
  let proposal = '';
  try {
    const field = readFields(command).find((f) => f.field === 1 && f.bytes);
    if (field?.bytes) proposal = Buffer.from(field.bytes).toString('utf8');
  } catch {
    // A malformed vote still counts, against an unnamed proposal.
  }
  return { kind: 'vote', proposal };
}

const keyText = (party: string, key: PolicyKey) => (key.kind === 'policy' ? `${party}|${key.name}` : `${party}|vote|${key.proposal}`);
const limitOf = (key: PolicyKey) => (key.kind === 'policy' ? POLICY_LIMITS[key.name] : POLICY_LIMITS.votes);

export interface SpamCounter {
  count: number;
  max: number;
}

export class EpochPolicies {
  private counts = new Map<string, number>();
  /** party → proposal → votes, for the votes.statistics list. */
  private votes = new Map<string, Map<string, number>>();

  constructor(public epoch: bigint) {}

  /** A new epoch wipes every counter. */
  startEpoch(epoch: bigint): void {
    if (epoch === this.epoch) return;
    this.epoch = epoch;
    this.counts.clear();
    this.votes.clear();
  }

  /** CheckTx: refuses when executed plus pending commands of the same kind already reach the limit. */
  check(party: string, key: PolicyKey | undefined, pending: number): void {
    if (!key) return;
    const max = limitOf(key);
    if ((this.counts.get(keyText(party, key)) ?? 0) + pending >= max) {
      const what = key.kind === 'policy' ? key.name : `votes on proposal ${key.proposal}`;
      throw spam(`spam policy: this party has reached the limit of ${max} ${what} in epoch ${this.epoch}`);
    }
  }

  /** An executed command counts. */
  record(party: string, key: PolicyKey | undefined): void {
    if (!key) return;
    const text = keyText(party, key);
    this.counts.set(text, (this.counts.get(text) ?? 0) + 1);
    if (key.kind === 'vote') {
      let byProposal = this.votes.get(party);
      if (!byProposal) {
        byProposal = new Map();
        this.votes.set(party, byProposal);
      }
      byProposal.set(key.proposal, (byProposal.get(key.proposal) ?? 0) + 1);
    }
  }

  counter(party: string, name: PolicyName): SpamCounter {
    return { count: this.counts.get(keyText(party, { kind: 'policy', name })) ?? 0, max: POLICY_LIMITS[name] };
  }

  votesOf(party: string): Array<{ proposal: string; count: number }> {
    return [...(this.votes.get(party) ?? new Map<string, number>())].map(([proposal, count]) => ({ proposal, count }));
  }
}

export const samePolicy = (a: PolicyKey | undefined, b: PolicyKey | undefined): boolean =>
  !!a && !!b && (a.kind === 'policy' ? b.kind === 'policy' && a.name === b.name : b.kind === 'vote' && a.proposal === b.proposal);
