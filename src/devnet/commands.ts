/**
 * What the dev node knows about commands without decoding them: the oneof
 * field numbers of InputData (facts §1.2) and which of them skip proof of work.
 */

/** Field number → JSON name of every command a client may submit. */
export const COMMAND_NAMES: ReadonlyMap<number, string> = new Map([
  [1001, 'orderSubmission'],
  [1002, 'orderCancellation'],
  [1003, 'orderAmendment'],
  [1004, 'withdrawSubmission'],
  [1005, 'proposalSubmission'],
  [1006, 'voteSubmission'],
  [1007, 'liquidityProvisionSubmission'],
  [1008, 'delegateSubmission'],
  [1009, 'undelegateSubmission'],
  [1010, 'liquidityProvisionCancellation'],
  [1011, 'liquidityProvisionAmendment'],
  [1012, 'transfer'],
  [1013, 'cancelTransfer'],
  [1014, 'announceNode'],
  [1015, 'batchMarketInstructions'],
  [1016, 'stopOrdersSubmission'],
  [1017, 'stopOrdersCancellation'],
  [1018, 'createReferralSet'],
  [1019, 'updateReferralSet'],
  [1020, 'applyReferralCode'],
  [1021, 'updateMarginMode'],
  [1022, 'joinTeam'],
  [1023, 'batchProposalSubmission'],
  [1024, 'updatePartyProfile'],
  [1025, 'submitAmm'],
  [1026, 'amendAmm'],
  [1027, 'cancelAmm'],
  [2002, 'nodeVote'],
  [2003, 'nodeSignature'],
  [2004, 'chainEvent'],
  [2005, 'keyRotateSubmission'],
  [2006, 'stateVariableProposal'],
  [2007, 'validatorHeartbeat'],
  [2008, 'ethereumKeyRotateSubmission'],
  [2009, 'protocolUpgradeProposal'],
  [2010, 'issueSignatures'],
  [3001, 'oracleDataSubmission'],
]);

/**
 * delayedTransactionsWrapper: only the block proposer creates it, so a client
 * sending one is sending something malformed.
 */
export const NODE_INTERNAL_COMMAND = 4000;

/**
 * Validator housekeeping commands carry no proof of work (facts §4 row 10);
 * the block-height check still applies to them. protocolUpgradeProposal and
 * issueSignatures are deliberately absent: they do need PoW.
 */
const POW_EXEMPT = new Set([2002, 2003, 2004, 2005, 2006, 2007, 2008, NODE_INTERNAL_COMMAND]);

export const needsProofOfWork = (commandField: number): boolean => !POW_EXEMPT.has(commandField);

export const commandName = (commandField: number): string => COMMAND_NAMES.get(commandField) ?? `command ${commandField}`;
