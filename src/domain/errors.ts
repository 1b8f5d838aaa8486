/**
 * Errors raised by the domain. They know nothing of JSON-RPC: each carries a
 * category that the dispatcher maps to a wire code, a stable machine-readable
 * `reason`, and optional details that are safe to show to the caller.
 *
 * Messages and details must never contain secrets (passphrases, recovery
 * phrases, private keys, tokens): they travel to clients and into logs.
 */
export type ErrorCategory =
  /** The caller sent something that can never work (wrong shape, bad checksum). */
  | 'invalid_params'
  /** The request is well-formed but the wallet's state refuses it. */
  | 'application'
  /** The network or a node failed. */
  | 'network'
  /** The caller's token or Origin does not authorise the request. */
  | 'authentication'
  /** The owner (or a policy rule) rejected the request. */
  | 'rejected'
  /** The wallet's side closed the request, e.g. the gateway is shutting down. */
  | 'closed'
  /** The request was interrupted: its review timed out or the caller went away. */
  | 'interrupted'
  /** The key would exceed the network's spam limits (2001). */
  | 'spam'
  /** A node rejected the transaction; the wire code is 1000 + the node's code. */
  | 'node_rejected';

export class DomainError extends Error {
  constructor(
    readonly category: ErrorCategory,
    readonly reason: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class WalletNotFoundError extends DomainError {
  constructor(wallet: string) {
    super('application', 'wallet_not_found', `the wallet "${wallet}" does not exist`, { wallet });
  }
}

export class WalletAlreadyExistsError extends DomainError {
  constructor(wallet: string) {
    super('application', 'wallet_already_exists', `a wallet named "${wallet}" already exists`, { wallet });
  }
}

export class WrongPassphraseError extends DomainError {
  constructor() {
    super('application', 'wrong_passphrase', 'the passphrase is not correct for this wallet');
  }
}

/** A parameter that passed the schema but fails a rule the schema cannot express. */
export class InvalidParamError extends DomainError {
  constructor(path: string, rule: string, message: string) {
    super('invalid_params', rule, message, { path, rule });
  }
}

export class InvalidRecoveryPhraseError extends InvalidParamError {
  constructor(path = '/recoveryPhrase') {
    super(path, 'bip39', 'the recovery phrase is not a valid BIP-39 phrase (unknown word, wrong length or bad checksum)');
  }
}

export class UnsupportedKeyDerivationVersionError extends InvalidParamError {
  constructor(version: unknown, path = '/version') {
    super(path, 'enum', `key derivation version ${JSON.stringify(version)} is not supported; use 1 or 2`);
  }
}


/** Data in the store failed an integrity check (corrupted or tampered ciphertext, impossible row). */
export class StoreIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreIntegrityError';
  }
}

export class WalletLockedError extends DomainError {
  constructor(wallet: string) {
    super('application', 'wallet_locked', 'the wallet is locked', { wallet });
  }
}

export class KeyNotFoundError extends DomainError {
  constructor(wallet: string, publicKey: string) {
    super('application', 'key_not_found', `the wallet "${wallet}" holds no key ${publicKey}`, { wallet, publicKey });
  }
}

export class KeyTaintedError extends DomainError {
  constructor(wallet: string, publicKey: string) {
    super('application', 'key_tainted', `the key ${publicKey} is tainted and cannot sign`, { wallet, publicKey });
  }
}

export class KeyTaintStateError extends DomainError {
  constructor(wallet: string, publicKey: string, tainted: boolean) {
    super(
      'application',
      tainted ? 'key_already_tainted' : 'key_not_tainted',
      tainted ? `the key ${publicKey} is already tainted` : `the key ${publicKey} is not tainted`,
      { wallet, publicKey },
    );
  }
}

export class AuthenticationError extends DomainError {
  constructor(reason: 'token_unknown' | 'origin_mismatch', message: string) {
    super('authentication', reason, message);
  }
}

export const unknownTokenError = () => new AuthenticationError('token_unknown', 'the token is not valid: unknown, expired, disconnected or revoked');

export class PermissionDeniedError extends DomainError {
  constructor(message: string) {
    super('application', 'permission_denied', message);
  }
}

export class ReviewNotFoundError extends DomainError {
  constructor(id: string) {
    super('application', 'review_not_found', `no pending review has the id ${id}`, { id });
  }
}

export class ApiTokenNotFoundError extends DomainError {
  constructor(id: string) {
    super('application', 'api_token_not_found', `no API token has the id ${id}`, { id });
  }
}

export class FixedPermissionsError extends DomainError {
  constructor() {
    super('application', 'fixed_permissions', 'the permissions of an API token are set by the wallet owner and cannot be requested');
  }
}

export class ReviewRejectedError extends DomainError {
  constructor(decidedBy: string) {
    super('rejected', 'rejected', 'the request was rejected by the wallet owner', { decidedBy });
  }
}

export class ReviewClosedError extends DomainError {
  constructor() {
    super('closed', 'closed', 'the request was closed by the wallet side: the gateway is shutting down');
  }
}

export class ReviewInterruptedError extends DomainError {
  constructor(why: 'timeout' | 'caller') {
    super(
      'interrupted',
      why === 'timeout' ? 'review_timed_out' : 'caller_went_away',
      why === 'timeout' ? 'the request was interrupted: no decision came before the review timed out' : 'the request was interrupted: the caller went away',
    );
  }
}

export class NetworkNotFoundError extends DomainError {
  constructor(network: string) {
    super('application', 'network_not_found', `the network "${network}" does not exist`, { network });
  }
}

export class NetworkAlreadyExistsError extends DomainError {
  constructor(network: string) {
    super('application', 'network_already_exists', `a network named "${network}" already exists`, { network });
  }
}

export class NetworkInUseError extends DomainError {
  constructor(network: string) {
    super('application', 'network_in_use', `the network "${network}" is the one session methods use; start the gateway with another --network first`, { network });
  }
}

export class KeyNotAllowedError extends DomainError {
  constructor() {
    super('application', 'key_not_allowed', 'the public key is not allowed to be used');
  }
}

export class SpamLimitError extends DomainError {
  constructor(message: string) {
    super('spam', 'spam_limit', message);
  }
}

/** A node refused the transaction with result code `code`; answered as 1000 + code. */
export class NodeRejectedTransactionError extends DomainError {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super('node_rejected', 'node_rejected', message, { code });
  }
}
