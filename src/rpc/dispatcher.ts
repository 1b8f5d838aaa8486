import { randomBytes } from 'node:crypto';
import type { Handlers } from '../../generated/handlers.js';
import { isMethodName, methodTable, type MethodSpec, type Namespace } from '../../generated/methods.js';
import type { ValidationError } from '../../generated/validators.js';
import { then, type Awaitable } from '../awaitable.js';
import type { Logger } from '../logger.js';
import { DomainError, ReviewInterruptedError } from '../domain/errors.js';
import type { Door, RequestContext } from './context.js';
import { ErrorCode, RpcError, invalidParams, invalidRequest, toRpcError, type ErrorObject } from './errors.js';
import type { FailureLimiter } from './failure-limiter.js';

export type JsonRpcId = string | number | null;

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result?: unknown;
  error?: ErrorObject;
}

/** Namespaces each door serves; rpc.discover is served by both. */
export const DOOR_NAMESPACES: Record<Door, readonly Namespace[]> = {
  application: ['session', 'rpc'],
  operator: ['admin', 'rpc'],
};

export interface DispatcherOptions {
  door: Door;
  handlers: Handlers<RequestContext>;
  logger: Logger;
  /** Longest batch accepted. */
  maxBatch: number;
  /** Check every result against its schema (tests, or production with a flag). */
  validateResults: boolean;
  /** Where the other door listens, to tell callers who knock at the wrong one. */
  otherDoorUrl?: string;
  /** Slows down sources that keep failing authentication. */
  failures?: FailureLimiter;
}

/** Error reasons that count as a failed authentication attempt. */
const AUTHENTICATION_FAILURES = new Set(['token_unknown', 'wrong_passphrase']);

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function isValidId(id: unknown): id is JsonRpcId {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

/** The JSON pointer of the value a validation error is about. */
function pointerOf(error: ValidationError): string {
  const p = error.params;
  if (error.keyword === 'required' && typeof p.missingProperty === 'string') return `${error.instancePath}/${escapePointer(p.missingProperty)}`;
  if (error.keyword === 'additionalProperties' && typeof p.additionalProperty === 'string') {
    return `${error.instancePath}/${escapePointer(p.additionalProperty)}`;
  }
  return error.instancePath;
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** The JSON text of each frozen result answered so far, for as long as its producer keeps the result. */
const frozenResultTexts = new WeakMap<object, string>();

/**
 * A result's JSON text. A frozen result is one its producer shares between answers and never
 * changes, all the way down (a wallet's cached list of keys, the chain id's answer): its text is
 * made once. Encoding it again cost a third of what the dispatcher spends on such a request.
 */
function resultText(result: unknown): string {
  if (typeof result !== 'object' || result === null || !Object.isFrozen(result)) return JSON.stringify(result);
  let text = frozenResultTexts.get(result);
  if (text === undefined) frozenResultTexts.set(result, (text = JSON.stringify(result)));
  return text;
}

/** One request on its way through handleRequest. */
interface Call {
  readonly method: string;
  readonly id: JsonRpcId;
  readonly isNotification: boolean;
  readonly ctx: RequestContext;
  /** Who sent it, for the failure limiter. */
  readonly source: string;
  /** performance.now() when it started, when requests are logged. */
  readonly started: number;
}

/**
 * JSON-RPC 2.0 for one door: envelopes, batches, notifications, by-name and
 * by-position params, validation with the generated validators, and mapping
 * of thrown errors to wire errors. Knows nothing of HTTP or WebSocket.
 */
export class Dispatcher {
  /** The methods of this door's namespaces, by name: one lookup per request. */
  private readonly served: ReadonlyMap<string, MethodSpec>;
  /** Whether every request gets a debug line (decided once: the level does not change at run time). */
  private readonly debug: boolean;

  constructor(private readonly options: DispatcherOptions) {
    const namespaces: readonly Namespace[] = DOOR_NAMESPACES[options.door];
    this.served = new Map(Object.values(methodTable).filter((spec) => namespaces.includes(spec.namespace)).map((spec) => [spec.name, spec]));
    this.debug = options.logger.enabled('debug');
  }

  /**
   * Handles one message as text. Returns the text to send back, or null when nothing is to be
   * sent; without a promise when every handler involved answered without one (list_keys and
   * get_chain_id from memory), so the answer leaves in the same turn, with no microtask between.
   */
  handleText(text: string, ctx: RequestContext): Awaitable<string | null> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (error) {
      // V8's message quotes part of the input, which may be a secret: keep only the position.
      const position = /position (\d+)/.exec((error as Error).message)?.[1];
      const where = position === undefined ? '' : ` (near character ${position})`;
      return JSON.stringify(this.errorResponse(null, new RpcError(ErrorCode.ParseError, { message: `the message is not valid JSON${where}` })));
    }
    return then(this.handleMessage(message, ctx), (response) => this.toText(response));
  }

  /**
   * The response as JSON. A result that JSON cannot carry (a BigInt, a cycle) is the gateway's
   * bug: that answer becomes an internal error with a reference, the others of a batch go as they are.
   */
  private toText(response: JsonRpcResponse | JsonRpcResponse[] | null): string | null {
    if (response === null) return null;
    try {
      // A single answer with a result: its envelope around the result's text, the bytes JSON.stringify(response) gives.
      if (!Array.isArray(response) && response.error === undefined) {
        return `{"jsonrpc":"2.0","id":${JSON.stringify(response.id)},"result":${resultText(response.result)}}`;
      }
      return JSON.stringify(response);
    } catch {
      const encodable = (r: JsonRpcResponse): JsonRpcResponse => {
        try {
          JSON.stringify(r);
          return r;
        } catch (error) {
          return this.errorResponse(r.id, toRpcError(error, () => this.logFailure('answer could not be encoded', { id: r.id }, error)));
        }
      };
      return JSON.stringify(Array.isArray(response) ? response.map(encodable) : encodable(response));
    }
  }

  /** Logs an unexpected failure under a new reference, which the caller is given instead of the error. */
  private logFailure(what: string, fields: Record<string, unknown>, error: unknown): string {
    const reference = `error-${randomBytes(6).toString('hex')}`;
    this.options.logger.error(what, { ...fields, reference, error });
    return reference;
  }

  /** Handles a parsed message: a single request or a batch. */
  handleMessage(message: unknown, ctx: RequestContext): Awaitable<JsonRpcResponse | JsonRpcResponse[] | null> {
    return Array.isArray(message) ? this.handleBatch(message, ctx) : this.handleRequest(message, ctx);
  }

  private async handleBatch(message: unknown[], ctx: RequestContext): Promise<JsonRpcResponse | JsonRpcResponse[] | null> {
    if (message.length === 0) return this.errorResponse(null, invalidRequest('a batch must hold at least one request'));
    if (message.length > this.options.maxBatch) {
      return this.errorResponse(null, invalidRequest(`a batch may hold at most ${this.options.maxBatch} requests; this one holds ${message.length}`, { limit: this.options.maxBatch }));
    }
    const responses = await Promise.all(message.map((entry) => this.handleRequest(entry, ctx)));
    const answered = responses.filter((r): r is JsonRpcResponse => r !== null);
    return answered.length > 0 ? answered : null;
  }

  private handleRequest(request: unknown, ctx: RequestContext): Awaitable<JsonRpcResponse | null> {
    if (request === null || typeof request !== 'object' || Array.isArray(request)) {
      return this.errorResponse(null, invalidRequest('a request must be a JSON object'));
    }
    const r = request as Record<string, unknown>;
    const isNotification = !hasOwn(r, 'id');
    if (!isNotification && !isValidId(r.id)) {
      return this.errorResponse(null, invalidRequest('id must be a string, a number or null'));
    }
    const id = isNotification ? null : (r.id as JsonRpcId);

    // A malformed request is not a valid Request object, so it is no notification either: it is always answered (JSON-RPC 2.0, section 5).
    if (r.jsonrpc !== '2.0') return this.errorResponse(id, invalidRequest('jsonrpc must be exactly "2.0"'));
    if (typeof r.method !== 'string') return this.errorResponse(id, invalidRequest('method must be a string'));
    if (hasOwn(r, 'params') && (r.params === null || typeof r.params !== 'object')) {
      return this.errorResponse(id, invalidRequest('params must be an object or an array when present'));
    }

    const call: Call = { method: r.method, id, isNotification, ctx, source: ctx.remoteAddress ?? 'unknown', started: this.debug ? performance.now() : 0 };
    let spec: MethodSpec;
    let result: unknown;
    try {
      const wait = this.options.failures?.retryAfterMs(call.source) ?? 0;
      if (wait > 0) {
        throw new RpcError(ErrorCode.LimitExceeded, {
          message: `too many failed attempts from this address; try again in ${Math.ceil(wait / 1000)} s`,
          retryAfterSeconds: Math.ceil(wait / 1000),
        });
      }
      spec = this.lookup(call.method);
      const params = this.checkParams(spec, r.params);
      const handler = this.options.handlers[spec.name] as (p: unknown, c: RequestContext) => unknown;
      result = handler(params, ctx);
    } catch (thrown) {
      return this.failed(call, thrown);
    }
    return result instanceof Promise
      ? result.then(
          (value: unknown) => this.succeeded(call, spec, value),
          (thrown: unknown) => this.failed(call, thrown),
        )
      : this.succeeded(call, spec, result);
  }

  private succeeded(call: Call, spec: MethodSpec, result: unknown): JsonRpcResponse | null {
    try {
      this.checkResult(spec, result);
    } catch (thrown) {
      return this.failed(call, thrown);
    }
    return this.answer(call, { jsonrpc: '2.0', id: call.id, result: result === undefined ? null : result });
  }

  private failed(call: Call, thrown: unknown): JsonRpcResponse | null {
    const { ctx, method } = call;
    // The caller left and whatever it was waiting for gave up with its signal's reason: no one is
    // told, and nothing failed on the gateway's side. Looked at only for what no layer turned into
    // an error of its own (an HTTP request's signal is made on first use).
    const left = !(thrown instanceof RpcError) && !(thrown instanceof DomainError) && ctx.signal.aborted && thrown === ctx.signal.reason;
    if (left) this.options.logger.debug('caller went away', { method, transport: ctx.transport });
    const error = toRpcError(left ? new ReviewInterruptedError('caller') : thrown, () => this.logFailure('handler failed', { method }, thrown));
    const reason = (error.data as { reason?: unknown }).reason;
    if (typeof reason === 'string' && AUTHENTICATION_FAILURES.has(reason)) this.options.failures?.recordFailure(call.source);
    return this.answer(call, this.errorResponse(call.id, error));
  }

  /** The response, logged at debug level; null for a notification. */
  private answer(call: Call, response: JsonRpcResponse): JsonRpcResponse | null {
    if (this.debug) {
      this.options.logger.debug('request', {
        method: call.method,
        transport: call.ctx.transport,
        ms: Math.round((performance.now() - call.started) * 100) / 100,
        ...(response.error ? { code: response.error.code } : {}),
      });
    }
    return call.isNotification ? null : response;
  }

  private lookup(method: string): MethodSpec {
    const spec = this.served.get(method);
    if (spec !== undefined) return spec;
    if (!isMethodName(method)) {
      throw new RpcError(ErrorCode.MethodNotFound, { method, message: `there is no method named "${method}"` });
    }
    // A method of the spec that this door does not serve: the caller is told which door does.
    const other = this.options.door === 'application' ? 'operator' : 'application';
    const where = this.options.otherDoorUrl ? ` (${this.options.otherDoorUrl})` : '';
    throw new RpcError(ErrorCode.MethodNotFound, {
      method,
      door: other,
      message: `${method} is served by the ${other} door${where}, not by this one`,
    });
  }

  private checkParams(spec: MethodSpec, raw: unknown): Record<string, unknown> {
    let params: Record<string, unknown>;
    if (raw === undefined) {
      params = {};
    } else if (Array.isArray(raw)) {
      if (raw.length > spec.paramNames.length) {
        throw invalidParams('', 'maxItems', `${spec.name} takes at most ${spec.paramNames.length} params by position (${spec.paramNames.join(', ') || 'none'}); got ${raw.length}`);
      }
      params = Object.fromEntries(raw.map((value, i) => [spec.paramNames[i] as string, value]));
    } else {
      params = raw as Record<string, unknown>;
    }
    if (!spec.validateParams(params)) {
      const error = spec.validateParams.errors?.[0];
      if (!error) throw invalidParams('', 'schema', 'the params do not match the schema');
      throw invalidParams(pointerOf(error), error.keyword, error.message ?? 'invalid');
    }
    return params;
  }

  private checkResult(spec: MethodSpec, result: unknown): void {
    if (!this.options.validateResults) return;
    if (spec.validateResult(result === undefined ? null : result)) return;
    const error = spec.validateResult.errors?.[0];
    this.options.logger.error('result does not match its schema', { method: spec.name, path: error?.instancePath, rule: error?.keyword });
    throw new RpcError(ErrorCode.InternalError, {
      message: `the gateway produced a result for ${spec.name} that breaks the spec at "${error ? pointerOf(error) : ''}" (${error?.message ?? 'invalid'})`,
    });
  }

  private errorResponse(id: JsonRpcId, error: RpcError): JsonRpcResponse {
    return { jsonrpc: '2.0', id, error: error.toJSON() };
  }
}
