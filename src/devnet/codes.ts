/**
 * ABCI result codes a Vega core node attaches to a transaction (facts §3).
 * Only the ones the dev node can produce are listed: it has no markets or
 * network limits, so 51/70/71 never arise.
 */
export const CODE_OK = 0;
/** Bytes, envelope, input data or signature are wrong. */
export const CODE_DECODING_FAILURE = 60;
/** Proof of work, replay protection or a spam policy refused the transaction. */
export const CODE_SPAM = 89;

/**
 * A transaction refused with an ABCI code. The message travels back to the
 * client as the response's `data` (hex or plain text depending on the endpoint),
 * so it is written for a developer reading a wallet error.
 */
export class TxRejection extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'TxRejection';
  }
}

export const malformed = (message: string): TxRejection => new TxRejection(CODE_DECODING_FAILURE, message);
export const spam = (message: string): TxRejection => new TxRejection(CODE_SPAM, message);
