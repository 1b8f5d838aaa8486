/** Types of arbitraries.js (plain JS so that test/soak/fuzz.mjs can load it without a build step). */
import type * as fc from 'fast-check';
import type WebSocket from 'ws';

export type Door = 'application' | 'operator';

export declare class Raw {
  constructor(text: string, label?: string);
  readonly text: string;
  readonly label: string;
}
export declare function raw(text: string, label?: string): Raw;
export declare function setOwn<T extends object>(target: T, key: string, value: unknown): T;
export declare function copyObject<T extends object>(source: T): T;
export declare function toJsonText(value: unknown): string;
export declare function loadSpec(): any;

export declare const STANDARD_CODES: readonly number[];
export declare const NASTY_STRINGS: readonly string[];
export declare const NASTY_NUMBERS: readonly (number | Raw)[];
export declare function deepArrays(depth: number): Raw;
export declare function deepObjects(depth: number): Raw;
export declare function hugeString(length: number, unit?: string): Raw;

export interface ParamSpec {
  name: string;
  required: boolean;
  schema: any;
}
export interface MethodInfo {
  name: string;
  namespace: string;
  door: Door | 'both';
  params: ParamSpec[];
  paramNames: string[];
  minPositional: number;
  validator: ((data: unknown) => boolean) & { errors?: unknown[] | null };
  errorCodes: Set<number>;
}

export interface SchemaArbitraries {
  of(schemaOrName: object | string, useHints?: boolean): fc.Arbitrary<unknown>;
  wrongType(schema: object): fc.Arbitrary<unknown> | undefined;
  typesOf(schema: object): Set<string>;
}
export declare function createSchemaArbitraries(doc: any, options?: { hints?: Record<string, fc.Arbitrary<unknown>>; maxExtraItems?: number }): SchemaArbitraries;

export interface GeneratedParams {
  style: 'byName' | 'byPosition' | 'absent' | 'raw';
  params: unknown;
  mutation?: string;
  base?: string;
}

export interface FuzzContextOptions {
  doc?: any;
  /** Component name → values to favour where that component is used. */
  hints?: Record<string, fc.Arbitrary<unknown>>;
  /** Methods that get no hinted values. */
  noHints?: string[];
  /** Adjusts valid by-name params of a method (e.g. to keep a policy from asking a person). */
  tweakParams?: (method: string, params: Record<string, unknown>) => Record<string, unknown>;
}

export interface FuzzContext {
  doc: any;
  methods: MethodInfo[];
  byName: Map<string, MethodInfo>;
  declaredCodes: Set<number>;
  validParams(method: MethodInfo): fc.Arbitrary<GeneratedParams>;
  mutatedParams(method: MethodInfo): fc.Arbitrary<GeneratedParams>;
  schemas: SchemaArbitraries;
  plain: SchemaArbitraries;
}
export declare function createFuzzContext(options?: FuzzContextOptions): FuzzContext;
export declare function methodWeight(method: string): number;
export declare function fixtureOptions(fixtures: { wallets: string[]; passphrase: string; recoveryPhrase: string; publicKey: string }): FuzzContextOptions;

export declare const idArbitrary: fc.Arbitrary<unknown>;

export interface FuzzMessage {
  label: string;
  text?: string;
  bytes?: Uint8Array;
}
export interface HttpCase extends FuzzMessage {
  door: Door;
  auth: string;
  contentType: string;
}
export interface WsCase extends FuzzMessage {
  door: Door;
  binary: boolean;
}
export interface MessageOptions {
  methodWeight?: (method: string) => number;
  bytes?: boolean;
  oversized?: boolean;
}
export declare function messageArbitrary(ctx: FuzzContext, door: Door, options?: MessageOptions): fc.Arbitrary<FuzzMessage>;
export declare function httpCaseArbitrary(ctx: FuzzContext, door: Door, options?: MessageOptions): fc.Arbitrary<HttpCase>;
export declare function wsCaseArbitrary(ctx: FuzzContext, door: Door, options?: MessageOptions): fc.Arbitrary<WsCase>;

export interface ExpectedAnswer {
  id: string | number | null;
  code?: number;
  method?: string;
}
export type Outcome = { kind: 'none' } | { kind: 'single'; answer: ExpectedAnswer } | { kind: 'batch'; answers: ExpectedAnswer[] };
export declare function bytesOf(message: FuzzMessage): Buffer;
export declare function expectedOutcome(ctx: FuzzContext, door: Door, bytes: Uint8Array, maxBatch?: number): Outcome;
export declare function isSpecCode(ctx: FuzzContext, code: unknown): boolean;
export declare function checkReplyBody(ctx: FuzzContext, outcome: Outcome, body: unknown, text: string, secrets?: string[]): string[];

export declare function describeCase(fcase: FuzzMessage & { door: Door }, problems: string[]): string;

export interface FuzzStats {
  cases: number;
  requests: number;
  codes: Map<string, number>;
  labels: Map<string, number>;
  statuses: Map<number | string, number>;
  /** The ten slowest cases. */
  slowest: { label: string; ms: number }[];
}
export declare function createStats(): FuzzStats;

export interface HttpTarget {
  url: string;
  token: string;
  maxBodyBytes: number;
  maxBatch: number;
}
/** POSTs `bytes`, or GETs when it is null. */
export declare function httpPost(
  url: string | URL,
  bytes: Uint8Array | null,
  headers: Record<string, string>,
  useAgent?: boolean,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }>;
export declare function closeHttpAgent(): void;
export declare function runHttpCase(ctx: FuzzContext, target: HttpTarget, fcase: HttpCase, stats?: FuzzStats): Promise<string[]>;

export declare class WsPeer {
  static open(url: string, headers?: Record<string, string>): Promise<WsPeer>;
  readonly ws: WebSocket;
  notifications: number;
  closed: { code: number; reason: string } | null;
  next(ms?: number): Promise<{ text: string; isBinary: boolean } | null | undefined>;
  close(): void;
}
export declare function runWsCase(
  ctx: FuzzContext,
  peer: WsPeer,
  fcase: WsCase,
  options: { maxBatch: number; secrets?: string[] },
  stats?: FuzzStats,
): Promise<string[]>;

export declare function probeDoors(target: { operatorUrl: string; applicationUrl: string; token: string }): Promise<string[]>;
export declare function prototypeSnapshot(): string;
export declare function pollutionProblems(snapshot: string): string[];
