import { DomainError, NodeRejectedTransactionError } from '../domain/errors.js';

/** Wire codes: JSON-RPC 2.0's own, then the seed's. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  Interrupted: -32001,
  AuthenticationFailure: -32003,
  LimitExceeded: -32005,
  NetworkError: 1000,
  ApplicationError: 2000,
  SpamLimit: 2001,
  ClosedByOperator: 3000,
  Rejected: 3001,
} as const;

const messageOf = (code: number) => MESSAGES[code] ?? (code > 1000 && code < 2000 ? 'Network error' : 'Server error');

const MESSAGES: Record<number, string> = {
  [ErrorCode.ParseError]: 'Parse error',
  [ErrorCode.InvalidRequest]: 'Invalid Request',
  [ErrorCode.MethodNotFound]: 'Method not found',
  [ErrorCode.InvalidParams]: 'Invalid params',
  [ErrorCode.InternalError]: 'Internal error',
  [ErrorCode.Interrupted]: 'Server error',
  [ErrorCode.AuthenticationFailure]: 'Authentication failure',
  [ErrorCode.LimitExceeded]: 'Limit exceeded',
  [ErrorCode.NetworkError]: 'Network error',
  [ErrorCode.ApplicationError]: 'Application error',
  [ErrorCode.SpamLimit]: 'Application error',
  [ErrorCode.ClosedByOperator]: 'Client error',
  [ErrorCode.Rejected]: 'Client error',
};

export interface ErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** An error that already knows its JSON-RPC shape. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    readonly data: Record<string, unknown> & { message: string },
  ) {
    super(data.message);
    this.name = 'RpcError';
  }

  toJSON(): ErrorObject {
    return { code: this.code, message: messageOf(this.code), data: this.data };
  }
}

export const invalidRequest = (message: string, extra: Record<string, unknown> = {}) =>
  new RpcError(ErrorCode.InvalidRequest, { message, ...extra });

export const invalidParams = (path: string, rule: string, message: string) =>
  new RpcError(ErrorCode.InvalidParams, { path, rule, message });

const CATEGORY_CODES = {
  invalid_params: ErrorCode.InvalidParams,
  application: ErrorCode.ApplicationError,
  network: ErrorCode.NetworkError,
  authentication: ErrorCode.AuthenticationFailure,
  rejected: ErrorCode.Rejected,
  closed: ErrorCode.ClosedByOperator,
  interrupted: ErrorCode.Interrupted,
  spam: ErrorCode.SpamLimit,
  node_rejected: ErrorCode.NetworkError,
} as const;

/**
 * Turns whatever a handler threw into a wire error. Unknown errors become
 * -32603 without their message (it could carry anything); the caller gets a
 * reference to find the full error in the log.
 */
export function toRpcError(error: unknown, reference: () => string): RpcError {
  if (error instanceof RpcError) return error;
  if (error instanceof DomainError) {
    // A node's rejection code c travels as 1000 + c (1060 malformed, 1089 spam protection, ...).
    const code = error instanceof NodeRejectedTransactionError ? ErrorCode.NetworkError + error.code : CATEGORY_CODES[error.category];
    if (code === ErrorCode.InvalidParams) {
      return new RpcError(code, { message: error.message, ...error.details });
    }
    return new RpcError(code, { reason: error.reason, message: error.message, ...error.details });
  }
  return new RpcError(ErrorCode.InternalError, {
    message: `the gateway failed to handle the request; the operator can find it in the log as ${reference()}`,
  });
}
