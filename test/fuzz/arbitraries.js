/**
 * Fuzzing kit for the gateway, shared by test/integration/fuzz.test.ts (jest)
 * and test/soak/fuzz.mjs (plain node against dist/). Plain JavaScript so that
 * both can load it as it is; the types are in arbitraries.d.ts.
 *
 * Three parts:
 *  1. Schema → fast-check: arbitraries of VALID params for every method of
 *     openrpc.json ($ref resolved into components.schemas), and MUTATIONS of
 *     them (wrong types, missing and extra fields, huge strings, deep
 *     nesting, nasty unicode, extreme numbers, prototype keys, positional
 *     arrays of the wrong length).
 *  2. Envelopes: whole HTTP bodies / WebSocket frames built from those params,
 *     plus broken JSON, odd ids, odd versions, batches (empty, mixed, 101).
 *  3. An oracle and checks: from the exact bytes sent, what JSON-RPC 2.0 says
 *     must come back (how many answers, with which ids, and which error code
 *     when the request is broken in a way the spec pins down), and a check of
 *     each reply against that plus the general rules (well-formed responses,
 *     codes the spec declares, no operator token in any answer).
 *
 * Values that JSON.stringify cannot produce (1e400, -0, 5000-deep arrays that
 * would overflow its recursion, 100 KB strings we do not want fast-check to
 * print) travel as Raw text and are spliced in by toJsonText().
 */
import * as fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import * as validators from '../../generated/validators.js';

// ---------------------------------------------------------------------------
// JSON text with raw pieces
// ---------------------------------------------------------------------------

/** A piece of JSON text inserted verbatim. */
export class Raw {
  constructor(text, label) {
    this.text = text;
    this.label = label ?? (text.length > 60 ? `${text.slice(0, 30)}… (${text.length} chars)` : text);
  }
  [fc.toStringMethod]() {
    return `raw(${this.label})`;
  }
}
export const raw = (text, label) => new Raw(text, label);

/** Defines an own enumerable property, also for "__proto__" (plain assignment would change the prototype). */
export function setOwn(target, key, value) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

/** A shallow copy that keeps own "__proto__" keys as keys. */
export function copyObject(source) {
  const out = {};
  for (const key of Object.keys(source)) setOwn(out, key, source[key]);
  return out;
}

/** JSON text of a value that may hold Raw pieces; undefined members are left out. */
export function toJsonText(value) {
  if (value instanceof Raw) return value.text;
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const parts = [];
    for (const key of Object.keys(value)) {
      if (value[key] === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${toJsonText(value[key])}`);
    }
    return `{${parts.join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------
// The spec
// ---------------------------------------------------------------------------

const ROOT = new URL('../../', import.meta.url);

export function loadSpec() {
  return JSON.parse(readFileSync(new URL('openrpc.json', ROOT), 'utf8'));
}

export const STANDARD_CODES = Object.freeze([-32700, -32600, -32601, -32602, -32603]);
/** Codes a request may meet before its method runs, whatever the method declares. */
const ENVELOPE_CODES = new Set([-32700, -32600, -32601, -32602, -32603]);

const refName = (ref) => ref.slice(ref.lastIndexOf('/') + 1);
const codePoints = (s) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Methods of the spec with what the fuzzer needs to know of each. */
function describeMethods(doc) {
  const errors = doc.components.errors ?? {};
  return doc.methods.map((m) => {
    const namespace = m.name.split('.')[0];
    const validator = validators[`${m.name.replace(/\./g, '_')}_params`];
    if (typeof validator !== 'function') throw new Error(`no generated params validator for ${m.name}; run npm run generate`);
    const params = m.params.map((p) => ({ name: p.name, required: p.required === true, schema: p.schema }));
    const lastRequired = params.reduce((at, p, i) => (p.required ? i : at), -1);
    const codes = new Set((m.errors ?? []).map((e) => (e.$ref ? errors[refName(e.$ref)]?.code : e.code)).filter((c) => typeof c === 'number'));
    return {
      name: m.name,
      namespace,
      door: namespace === 'admin' ? 'operator' : namespace === 'session' ? 'application' : 'both',
      params,
      paramNames: params.map((p) => p.name),
      minPositional: lastRequired + 1,
      validator,
      errorCodes: codes,
    };
  });
}

// ---------------------------------------------------------------------------
// Nasty values
// ---------------------------------------------------------------------------

/** Strings that have broken parsers, maps keyed by user input, SQL, logs and UIs before. */
export const NASTY_STRINGS = Object.freeze([
  'constructor', 'prototype', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf',
  'null', 'undefined', 'NaN', 'true', '0', '-1', '[]', '{}', '',
  ' ', '  leading', 'trailing ', '\t\n\r', '\u0000', 'a\u0000b', '\u0000'.repeat(8),
  '\ud800', '\udfff', 'x\ud83d', '\ude00y', '\ud83d\ude00', '👩‍👩‍👧‍👦', '\u202eevil\u202c', '\u200b', '\ufeffbom', 'e\u0301', 'é',
  'Ａ１', '١٢٣', '〇', 'ß', 'İ', 'ǅ', 'ﷺ', '𝔥𝔢𝔩𝔩𝔬', '日本語のウォレット', 'עברית', '\u0085', '\u2028\u2029',
  "'; DROP TABLE wallets; --", '" OR 1=1 --', '%s%n%x', '../../../etc/passwd', '${process.exit()}', '<script>alert(1)</script>',
  'a'.repeat(64), 'a'.repeat(65), 'f'.repeat(64), 'F'.repeat(64), '0'.repeat(32), 'VEGA.XYZ', 'localhost:99999', '*',
]);

/** Numbers at and past the edges; Raw where JSON.stringify cannot write them. */
export const NASTY_NUMBERS = Object.freeze([
  0, -1, 1, 0.5, -0.5, 1e-7, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 - 1, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 2 ** 64, 1e20, 1e21, 1e308, -1e308,
  Number.MIN_VALUE,
  raw('-0'), raw('-0.0'), raw('1e400'), raw('-1e400'), raw('1E2'), raw('1.0'), raw('123456789012345678901234567890'), raw('0.1e-400'),
]);

/** `depth` nested arrays, as text (JSON.stringify overflows the stack on these). */
export const deepArrays = (depth) => raw('['.repeat(depth) + ']'.repeat(depth), `${depth} nested arrays`);
export const deepObjects = (depth) => raw('{"a":'.repeat(depth) + '1' + '}'.repeat(depth), `${depth} nested objects`);
/** A JSON string of `length` copies of `unit`, as text. */
export const hugeString = (length, unit = 'a') => raw(JSON.stringify(unit.repeat(length)), `string of ${length} × ${JSON.stringify(unit)}`);

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
const POLLUTION = () => ({ polluted: 'yes', isAdmin: true, toString: 'x' });

// Built once: rebuilding them per case made the garbage collector the busiest part of a run.
const HUGE_STRINGS = Object.freeze([hugeString(100_000), hugeString(100_000, '€'), hugeString(20_000, '\u0000'), hugeString(1025, 'p')]);
const DEEP_VALUES = Object.freeze([deepArrays(5000), deepObjects(5000), deepArrays(100_000)]);
const WHOLE_PARAMS = Object.freeze([
  { kind: 'whole', params: raw('[]'), label: 'empty positional params' },
  { kind: 'whole', params: raw('{}'), label: 'empty params object' },
  { kind: 'whole', params: raw(JSON.stringify(new Array(10_000).fill(0)), '10000 zeros'), label: '10000 positional params' },
  { kind: 'whole', params: deepArrays(5000), label: 'params nested 5000 deep' },
  { kind: 'whole', params: raw('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}'), label: 'prototype keys as params' },
]);

// ---------------------------------------------------------------------------
// Schema → arbitraries
// ---------------------------------------------------------------------------

/** JSON types a schema accepts (integer counts as its own type). */
function jsonTypesOf(schema, schemas, seen = new Set()) {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    if (seen.has(name)) return new Set();
    return jsonTypesOf(schemas[name], schemas, new Set([...seen, name]));
  }
  if ('const' in schema) return new Set([typeOfJson(schema.const)]);
  if (schema.enum) return new Set(schema.enum.map(typeOfJson));
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return new Set(branches.flatMap((b) => [...jsonTypesOf(b, schemas, seen)]));
  if (schema.type) return new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
  return new Set(['string', 'number', 'integer', 'boolean', 'null', 'array', 'object']);
}

function typeOfJson(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** A value of some JSON type the schema does NOT accept (or undefined when it accepts them all). */
function wrongTypeArb(schema, schemas) {
  const ok = jsonTypesOf(schema, schemas);
  const choices = [];
  if (!ok.has('string')) choices.push(fc.constantFrom('', 'a string', '1', 'true', 'null'));
  if (!ok.has('integer') && !ok.has('number')) choices.push(fc.constantFrom(0, 1, -1, 42, 2 ** 53));
  if (!ok.has('number')) choices.push(fc.constantFrom(0.5, -1.25, 1e-9));
  if (!ok.has('boolean')) choices.push(fc.boolean());
  if (!ok.has('null')) choices.push(fc.constant(null));
  if (!ok.has('array')) choices.push(fc.constantFrom([], ['a'], [1, 2, 3], [[]]));
  if (!ok.has('object')) choices.push(fc.constantFrom({}, { a: 1 }, { value: 'x' }));
  return choices.length ? fc.oneof(...choices) : undefined;
}

/**
 * Builds arbitraries of values valid against schemas of `doc`.
 * `hints` maps a component name to an arbitrary mixed in (weight 3 to 2) where
 * that component is used: known wallet names, the fixture's passphrase...
 */
export function createSchemaArbitraries(doc, options = {}) {
  const schemas = doc.components.schemas;
  const hints = options.hints ?? {};
  const maxExtraItems = options.maxExtraItems ?? 3;
  const memo = new Map();

  function forSchema(schema, useHints = true, depth = 0) {
    if (depth > 20) throw new Error('schema too deep (recursive $ref?)');
    if (schema.$ref) {
      const name = refName(schema.$ref);
      const key = `${name}|${useHints}`;
      let arb = memo.get(key);
      if (!arb) {
        const target = schemas[name];
        if (!target) throw new Error(`unknown schema ${schema.$ref}`);
        const base = forSchema(target, useHints, depth + 1);
        const hint = useHints ? hints[name] : undefined;
        arb = hint ? fc.oneof({ arbitrary: hint, weight: 3 }, { arbitrary: base, weight: 2 }) : base;
        memo.set(key, arb);
      }
      return arb;
    }
    if ('const' in schema) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const branches = schema.anyOf ?? schema.oneOf;
    if (branches) return fc.oneof(...branches.map((b) => forSchema(b, useHints, depth + 1)));
    const type = schema.type;
    if (Array.isArray(type)) return fc.oneof(...type.map((t) => forSchema({ ...schema, type: t }, useHints, depth + 1)));
    switch (type) {
      case 'string':
        return stringArb(schema);
      case 'integer':
        return integerArb(schema);
      case 'number':
        return fc.oneof(
          fc.double({ min: schema.minimum ?? -1e308, max: schema.maximum ?? 1e308, noNaN: true, noDefaultInfinity: true }),
          integerArb(schema),
        );
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return arrayArb(schema, useHints, depth);
      case 'object':
        return objectArb(schema, useHints, depth);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  function stringArb(schema) {
    const min = schema.minLength ?? 0;
    const max = schema.maxLength ?? Number.POSITIVE_INFINITY;
    const re = schema.pattern ? new RegExp(schema.pattern, 'u') : undefined;
    const fits = (s) => {
      const n = codePoints(s);
      return n >= min && n <= max && (!re || re.test(s));
    };
    let base;
    if (re) {
      base = fc.stringMatching(re).filter(fits);
    } else {
      const maxLength = Math.min(max, min + 40);
      base = fc.oneof(
        fc.string({ minLength: min, maxLength, unit: 'grapheme-ascii' }),
        fc.string({ minLength: min, maxLength, unit: 'binary' }),
      );
    }
    const edges = [...NASTY_STRINGS];
    for (const unit of ['a', 'Z', '9', 'é', '😀']) {
      if (min > 0 && min <= 4096) edges.push(unit.repeat(min));
      if (max <= 4096) edges.push(unit.repeat(max));
    }
    const special = [...new Set(edges)].filter(fits);
    return special.length ? fc.oneof({ arbitrary: base, weight: 5 }, { arbitrary: fc.constantFrom(...special), weight: 1 }) : base;
  }

  function integerArb(schema) {
    const min = schema.minimum ?? Number.NEGATIVE_INFINITY;
    const max = schema.maximum ?? Number.POSITIVE_INFINITY;
    const inRange = (n) => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
    const lo = Math.max(min, -(2 ** 31));
    const hi = Math.min(max, 2 ** 31 - 1);
    const edges = [min, max, min + 1, max - 1, 0, 1, -1, ...NASTY_NUMBERS.filter((n) => typeof n === 'number')].filter(inRange);
    const parts = [];
    if (lo <= hi) parts.push({ arbitrary: fc.integer({ min: lo, max: hi }), weight: 4 });
    if (edges.length) parts.push({ arbitrary: fc.constantFrom(...new Set(edges)), weight: 1 });
    return fc.oneof(...parts);
  }

  function arrayArb(schema, useHints, depth) {
    const items = schema.items ? forSchema(schema.items, useHints, depth + 1) : fc.jsonValue({ maxDepth: 1 });
    const minLength = schema.minItems ?? 0;
    const maxLength = Math.min(schema.maxItems ?? Number.POSITIVE_INFINITY, minLength + maxExtraItems);
    return schema.uniqueItems ? fc.uniqueArray(items, { minLength, maxLength, selector: toJsonText }) : fc.array(items, { minLength, maxLength });
  }

  function objectArb(schema, useHints, depth) {
    const props = schema.properties ?? {};
    const required = schema.required ?? [];
    const keys = Object.keys(props);
    const model = {};
    for (const key of keys) model[key] = forSchema(props[key], useHints, depth + 1);
    let arb;
    if (keys.length === 0 && schema.additionalProperties !== false) {
      arb = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
    } else if (schema.minProperties !== undefined || schema.maxProperties !== undefined) {
      // Pick which members are present first (TransactionCommand holds exactly one).
      const minLength = Math.max(schema.minProperties ?? 0, required.length);
      const maxLength = Math.min(schema.maxProperties ?? keys.length, keys.length);
      arb = fc
        .subarray(keys, { minLength, maxLength })
        .filter((chosen) => required.every((r) => chosen.includes(r)))
        .chain((chosen) => fc.record(Object.fromEntries(chosen.map((k) => [k, model[k]]))));
    } else {
      arb = fc.record(model, { requiredKeys: required });
    }
    // Plain objects: fast-check may build null-prototype ones, which the wire never carries anyway.
    arb = arb.map((o) => copyObject(o));
    const forbidden = schema.not?.required;
    if (Array.isArray(forbidden)) arb = arb.filter((o) => !forbidden.every((k) => Object.prototype.hasOwnProperty.call(o, k)));
    return arb;
  }

  return {
    /** Valid values of a schema (or of a component, given its name). */
    of(schemaOrName, useHints = true) {
      return forSchema(typeof schemaOrName === 'string' ? { $ref: `#/components/schemas/${schemaOrName}` } : schemaOrName, useHints);
    },
    wrongType: (schema) => wrongTypeArb(schema, schemas),
    typesOf: (schema) => jsonTypesOf(schema, schemas),
  };
}

// ---------------------------------------------------------------------------
// Transaction commands (what encodedTransaction carries, base64 of JSON)
// ---------------------------------------------------------------------------

const base64Of = (text) => Buffer.from(text, 'utf8').toString('base64');

/** Base64 of command JSON: valid commands, commands broken in the ways params are, and non-JSON. */
function encodedCommandArb(plain) {
  const command = plain.of('TransactionCommand', false);
  const textOf = (v) => toJsonText(v);
  const broken = fc.oneof(
    // Extreme integers where the schema takes any integer (64-bit fields): valid for the schema, not for 64 bits.
    fc.constantFrom(
      '{"orderSubmission":{"size":"99999999999999999999"}}',
      '{"orderSubmission":{"size":18446744073709551616}}',
      '{"orderSubmission":{"size":1e308}}',
      '{"orderSubmission":{"expiresAt":"-9999999999999999999"}}',
      '{"orderSubmission":{"expiresAt":-1e300}}',
      '{"orderSubmission":{"expiresAt":9223372036854775808}}',
      '{"delegateSubmission":{"nodeId":"n","amount":"1"}}',
      '{"__proto__":{"orderSubmission":{}}}',
      '{"constructor":{}}',
      '{"orderSubmission":{"__proto__":{"size":"1"}}}',
      '{"orderSubmission":{},"voteSubmission":{}}',
      '{}',
      '[]',
      'null',
      '"orderSubmission"',
      '{"orderSubmission":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
      '{"orderSubmission":{"marketId":"' + 'm'.repeat(5000) + '"}}',
    ),
    command.map((c) => {
      const out = copyObject(c);
      setOwn(out, '__proto__', POLLUTION());
      return textOf(out);
    }),
    fc.tuple(command, fc.constantFrom(...NASTY_NUMBERS)).map(([c, n]) => {
      const [name] = Object.keys(c);
      return `{${JSON.stringify(name)}:{"size":${toJsonText(n)},"expiresAt":${toJsonText(n)},"amount":${toJsonText(n)}}}`;
    }),
  );
  return fc.oneof(
    { arbitrary: command.map((c) => base64Of(textOf(c))), weight: 4 },
    { arbitrary: broken.map(base64Of), weight: 2 },
    // Bytes that are base64 but not UTF-8 / not JSON.
    { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')), weight: 1 },
  );
}

// ---------------------------------------------------------------------------
// Params of methods: valid and mutated
// ---------------------------------------------------------------------------

/**
 * @param {object} options
 *  - hints: component name → arbitrary of values to favour (known wallets, passphrases...)
 *  - noHints: method names that must not get hinted values (destructive ones)
 *  - tweakParams: (method, params object) → params object, applied to valid params
 */
export function createFuzzContext(options = {}) {
  const doc = options.doc ?? loadSpec();
  const plain = createSchemaArbitraries(doc);
  const hinted = createSchemaArbitraries(doc, {
    hints: { EncodedTransaction: encodedCommandArb(plain), ...(options.hints ?? {}) },
  });
  const unhinted = createSchemaArbitraries(doc, { hints: { EncodedTransaction: encodedCommandArb(plain) } });
  const methods = describeMethods(doc);
  const byName = new Map(methods.map((m) => [m.name, m]));
  const declaredCodes = new Set(Object.values(doc.components.errors ?? {}).map((e) => e.code));
  const noHints = new Set(options.noHints ?? []);
  const tweak = options.tweakParams ?? ((_m, p) => p);
  const validCache = new Map();
  const mutatedCache = new Map();

  /** Valid params of a method: { style: 'byName' | 'byPosition' | 'absent', params }. */
  function validParams(method) {
    let arb = validCache.get(method.name);
    if (arb) return arb;
    const schemas = noHints.has(method.name) ? unhinted : hinted;
    const model = {};
    for (const p of method.params) model[p.name] = schemas.of(p.schema);
    const required = method.params.filter((p) => p.required).map((p) => p.name);
    const byName = fc.record(model, { requiredKeys: required }).map((p) => ({ style: 'byName', params: tweak(method.name, copyObject(p)) }));
    const n = method.params.length;
    const byPosition = fc
      .integer({ min: method.minPositional, max: n })
      .chain((k) => fc.tuple(...method.params.slice(0, k).map((p) => model[p.name])))
      .map((values) => {
        const named = tweak(method.name, Object.fromEntries(values.map((v, i) => [method.paramNames[i], v])));
        return { style: 'byPosition', params: method.paramNames.slice(0, values.length).map((name) => named[name]) };
      });
    const parts = [{ arbitrary: byName, weight: 4 }, { arbitrary: byPosition, weight: 1 }];
    if (required.length === 0) parts.push({ arbitrary: fc.constant({ style: 'absent', params: undefined }), weight: 1 });
    arb = fc.oneof(...parts);
    validCache.set(method.name, arb);
    return arb;
  }

  /**
   * Params of a method broken in one of many ways; some mutations may leave
   * them valid (a nasty string where any string goes). A mutation is drawn as
   * a plain description (built once per method) and applied to valid params.
   */
  function mutatedParams(method) {
    let arb = mutatedCache.get(method.name);
    if (arb) return arb;
    arb = fc.tuple(validParams(method), mutationArbitrary(method)).map(([base, mutation]) => ({ ...applyMutation(method, base, mutation), base: base.style }));
    mutatedCache.set(method.name, arb);
    return arb;
  }

  function mutationArbitrary(method) {
    const kinds = [];
    const replace = (param, valueArb, what) => valueArb.map((value) => ({ kind: 'replace', param: param.name, value, label: `${what} for ${param.name}` }));
    for (const p of method.params) {
      const wrong = plain.wrongType(p.schema) ?? fc.constant({});
      kinds.push(
        fc.oneof(
          replace(p, wrong, 'wrong type'),
          replace(p, fc.constantFrom(...NASTY_STRINGS), 'nasty string'),
          replace(p, fc.constantFrom(...NASTY_NUMBERS), 'edge number'),
          replace(p, fc.constantFrom(...HUGE_STRINGS), 'huge string'),
          replace(p, fc.constantFrom(...DEEP_VALUES), 'deep nesting'),
          replace(p, fc.constant(null), 'null'),
          replace(p, fc.jsonValue({ maxDepth: 3 }), 'any JSON'),
        ),
      );
    }
    const required = method.params.filter((p) => p.required);
    if (required.length) kinds.push(fc.constantFrom(...required).map((p) => ({ kind: 'drop', param: p.name })));
    kinds.push(
      // Members the method does not take, prototype keys among them.
      fc.tuple(fc.constantFrom(...PROTO_KEYS, 'extra', 'Wallet', 'params', ''), fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => ({ kind: 'extra', key, value })),
      // Prototype keys nested wherever an object sits in the params.
      fc.tuple(fc.nat(), fc.constantFrom(...PROTO_KEYS)).map(([at, key]) => ({ kind: 'nested', at, key })),
      // Positional arrays too long (too short is 'drop' on positional params).
      fc.array(fc.jsonValue({ maxDepth: 1 }), { minLength: 1, maxLength: 3 }).map((extra) => ({ kind: 'longer', extra })),
      // The params as a whole: wrong containers and sizes.
      fc.constantFrom(...WHOLE_PARAMS, {
        kind: 'whole',
        params: raw(`{${method.paramNames.map((p) => `${JSON.stringify(p)}:1,${JSON.stringify(p)}:"dup"`).join(',')}}`),
        label: 'duplicate keys',
      }),
    );
    return fc.oneof(...kinds);
  }

  function applyMutation(method, base, m) {
    const asObject = () => {
      if (base.style === 'byName') return copyObject(base.params);
      if (base.style === 'byPosition') return Object.fromEntries(base.params.map((v, i) => [method.paramNames[i], v]));
      return {};
    };
    switch (m.kind) {
      case 'replace': {
        if (base.style === 'byPosition') {
          const i = method.paramNames.indexOf(m.param);
          const arr = [...base.params];
          while (arr.length < i) arr.push(null);
          arr[i] = m.value;
          return { style: 'byPosition', params: arr, mutation: m.label };
        }
        return { style: 'byName', params: setOwn(asObject(), m.param, m.value), mutation: m.label };
      }
      case 'drop': {
        if (base.style === 'byPosition') {
          const i = method.paramNames.indexOf(m.param);
          return { style: 'byPosition', params: base.params.slice(0, i), mutation: `positional params cut before ${m.param}` };
        }
        const o = asObject();
        delete o[m.param];
        return { style: 'byName', params: o, mutation: `missing ${m.param}` };
      }
      case 'extra':
        return {
          style: 'byName',
          params: setOwn(asObject(), m.key, m.key === '__proto__' ? POLLUTION() : m.value),
          mutation: `extra member ${JSON.stringify(m.key)}`,
        };
      case 'nested': {
        const params = deepCopy(asObject());
        const holders = [];
        const walk = (v) => {
          if (Array.isArray(v)) v.forEach(walk);
          else if (v !== null && typeof v === 'object' && !(v instanceof Raw)) {
            holders.push(v);
            Object.values(v).forEach(walk);
          }
        };
        walk(params);
        setOwn(holders[m.at % holders.length], m.key, POLLUTION());
        return { style: 'byName', params, mutation: `nested ${m.key}` };
      }
      case 'longer': {
        const named = asObject();
        const values = method.paramNames.map((name) => named[name] ?? null);
        return { style: 'byPosition', params: [...values, ...m.extra], mutation: `${values.length + m.extra.length} positional params` };
      }
      default:
        return { style: 'raw', params: m.params, mutation: m.label };
    }
  }

  return { doc, methods, byName, declaredCodes, validParams, mutatedParams, schemas: hinted, plain };
}

/** Wallet creation costs a scrypt each: those methods come up rarely. */
export function methodWeight(method) {
  if (method === 'admin.create_wallet' || method === 'admin.import_wallet') return 1;
  return method === 'rpc.discover' ? 3 : 10;
}

/**
 * Context options for a gateway set up with fixture wallets (same passphrase,
 * the first imported from `recoveryPhrase`, whose first key is `publicKey`):
 * hints that point valid requests at them, and tweaks that keep valid
 * requests from doing slow work or undoing the fixtures:
 * - a policy that would ask a person (a rule that asks, a connection
 *   approval naming no fixture wallet, an approving default) would make
 *   connection requests wait for the review timeout: it rejects instead;
 * - the fixture wallets are not removed, renamed or given a new passphrase.
 */
export function fixtureOptions({ wallets, passphrase, recoveryPhrase, publicKey }) {
  const destructive = ['admin.remove_wallet', 'admin.rename_wallet', 'admin.update_passphrase'];
  const keepApproval = (rule) => rule.wallet !== undefined && wallets.includes(rule.wallet);
  return {
    hints: {
      // Two names that are not wallets but are Object.prototype members.
      WalletName: fc.constantFrom(...wallets, 'toString', 'hasOwnProperty'),
      Passphrase: fc.constant(passphrase),
      PublicKey: fc.constant(publicKey),
      RecoveryPhrase: fc.constant(recoveryPhrase),
    },
    noHints: destructive,
    tweakParams(method, params) {
      if (method === 'admin.set_policy') {
        const policy = params.policy;
        const rules = policy.rules.map((r) => (r.action === 'ask' || (r.action === 'approve' && !keepApproval(r)) ? { ...r, action: 'reject' } : r));
        return { ...params, policy: { ...policy, default: 'reject', rules } };
      }
      if (destructive.includes(method) && wallets.includes(params.wallet)) return { ...params, wallet: `not ${params.wallet}` };
      return params;
    },
  };
}

function deepCopy(v) {
  if (v instanceof Raw) return v;
  if (Array.isArray(v)) return v.map(deepCopy);
  if (v !== null && typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v)) setOwn(out, k, deepCopy(v[k]));
    return out;
  }
  return v;
}

// ---------------------------------------------------------------------------
// Envelopes
// ---------------------------------------------------------------------------

/** Ids: every JSON type, and numbers and strings at their edges. */
export const idArbitrary = fc.oneof(
  { arbitrary: fc.integer(), weight: 6 },
  { arbitrary: fc.string({ maxLength: 24 }), weight: 4 },
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
  {
    arbitrary: fc.constantFrom(0, '', 2 ** 53 + 1, 2 ** 64, 1e308, -1e308, 5e-324, raw('-0'), raw('1e400'), raw('1.50'), raw('1E3'), '\ud800', '\u0000', 'é', hugeString(10_000, 'i')),
    weight: 1,
  },
  // Not ids at all: the request cannot be answered by id.
  { arbitrary: fc.constantFrom(true, false, {}, { id: 1 }, [], [1], [null], deepArrays(1000)), weight: 1 },
);

/**
 * Whole messages (HTTP body / WebSocket text) for one door.
 * Each value: { label, text?: string, bytes?: Uint8Array }.
 */
export function messageArbitrary(ctx, door, options = {}) {
  const own = ctx.methods.filter((m) => m.door === door || m.door === 'both');
  const other = ctx.methods.filter((m) => m.door !== door && m.door !== 'both');
  const weightOf = options.methodWeight ?? (() => 10);
  const ownMethod = fc.oneof(...own.map((m) => ({ arbitrary: fc.constant(m), weight: weightOf(m.name) })));

  const envelope = (method, params, id) => {
    const o = { jsonrpc: '2.0' };
    if (id !== undefined) o.id = id;
    o.method = method;
    if (params !== undefined) o.params = params;
    return o;
  };
  const idOrNotification = fc.oneof({ arbitrary: idArbitrary, weight: 9 }, { arbitrary: fc.constant(undefined), weight: 1 });

  const validRequest = fc
    .tuple(ownMethod, idOrNotification)
    .chain(([m, id]) => ctx.validParams(m).map((p) => ({ label: `valid ${m.name} (${p.style})`, value: envelope(m.name, p.params, id) })));
  const mutatedRequest = fc
    .tuple(ownMethod, idOrNotification)
    .chain(([m, id]) => ctx.mutatedParams(m).map((p) => ({ label: `${m.name}: ${p.mutation}`, value: envelope(m.name, p.params, id) })));

  const otherDoor = other.length ? fc.constantFrom(...other.map((m) => m.name)) : fc.constant('nothing.here');
  const malformedRequest = fc.oneof(
    fc.tuple(fc.constantFrom('1.0', '2', '2.00', ' 2.0', '', 2, 2.5, null, ['2.0'], { v: 2 }, undefined), idOrNotification, ownMethod).map(([v, id, m]) => {
      const o = envelope(m.name, undefined, id);
      if (v === undefined) delete o.jsonrpc;
      else o.jsonrpc = v;
      return { label: `jsonrpc ${JSON.stringify(v)}`, value: o };
    }),
    fc.tuple(fc.constantFrom(1, null, true, [], {}, ['rpc.discover'], undefined), idOrNotification).map(([method, id]) => {
      const o = envelope(method, undefined, id);
      if (method === undefined) delete o.method;
      return { label: `method ${JSON.stringify(method)}`, value: o };
    }),
    fc
      .tuple(
        fc.oneof(
          otherDoor,
          fc.constantFrom('', 'admin.nope', 'session.nope', 'rpc.nope', 'rpc.discover ', 'RPC.DISCOVER', 'Admin.List_Wallets', 'session.', '.', 'rpc', ...PROTO_KEYS, 'toString', 'hasOwnProperty', 'valueOf', 'admin.__proto__'),
          fc.string({ maxLength: 30 }),
        ),
        idOrNotification,
      )
      .map(([method, id]) => ({ label: `method ${JSON.stringify(method).slice(0, 40)}`, value: envelope(method, undefined, id) })),
    fc.tuple(fc.constantFrom('a string', 1, 0, null, true, false, raw('1e400')), ownMethod, idOrNotification).map(([params, m, id]) => ({
      label: `params ${toJsonText(params)}`,
      value: envelope(m.name, params, id),
    })),
    fc.tuple(ownMethod, idArbitrary).map(([m, id]) => ({ label: 'members shuffled, extra member', value: { method: m.name, extra: [1], id, jsonrpc: '2.0' } })),
    fc.constantFrom(1, 'request', null, true, [], [1], raw('1e400'), deepArrays(5000)).map((v) => ({ label: `request ${toJsonText(v).slice(0, 20)}`, value: v })),
  );

  const entry = fc.oneof({ arbitrary: validRequest, weight: 4 }, { arbitrary: mutatedRequest, weight: 3 }, { arbitrary: malformedRequest, weight: 3 });
  /** Requests that cost the gateway little: for batches of a hundred. */
  const cheapEntry = fc.oneof(
    idOrNotification.map((id) => envelope('rpc.nope', undefined, id)),
    idOrNotification.map((id) => envelope(door === 'operator' ? 'admin.list_networks' : 'session.get_permissions', door === 'operator' ? [] : { token: 't' }, id)),
    fc.constantFrom(1, null, {}, { jsonrpc: '2.0' }),
  );

  const single = fc
    .oneof({ arbitrary: validRequest, weight: 9 }, { arbitrary: mutatedRequest, weight: 7 }, { arbitrary: malformedRequest, weight: 4 })
    .map(({ label, value }) => ({ label, text: toJsonText(value) }));
  const batch = fc
    .array(entry, { minLength: 1, maxLength: 12 })
    .map((entries) => ({ label: `batch of ${entries.length}: ${entries.map((e) => e.label).join('; ').slice(0, 200)}`, text: toJsonText(entries.map((e) => e.value)) }));
  const bigBatch = fc
    .constantFrom(99, 100, 101, 150)
    .chain((n) => fc.array(cheapEntry, { minLength: n, maxLength: n }))
    .map((entries) => ({ label: `batch of ${entries.length} cheap requests`, text: toJsonText(entries) }));
  const notificationsOnly = fc
    .array(ownMethod, { minLength: 1, maxLength: 5 })
    .chain((ms) => fc.tuple(...ms.map((m) => ctx.validParams(m).map((p) => envelope(m.name, p.params, undefined)))))
    .map((list) => ({ label: `batch of ${list.length} notifications`, text: toJsonText(list) }));

  const someValidText = validRequest.map((r) => toJsonText(r.value));
  const badJson = fc.oneof(
    fc.constantFrom(
      '', ' ', '\n', '{', '}', '[', ']', '[]', '[[]]', '[{}]', '{}', 'null', 'true', '1', '"x"', 'nul', 'NaN', 'Infinity', '-', '01', '1.', '.5', '+1', '0x10',
      '{"jsonrpc":"2.0",}', '{"a":1}{"b":2}', "{'jsonrpc':'2.0'}", '[1,2', '{"jsonrpc":"2.0","id":1,"method":"rpc.discover"',
      '\ufeff{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}', '{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}\u0000',
      '{"jsonrpc":"2.0","id":"\\x41","method":"rpc.discover"}', '{"jsonrpc":"2.0","id":"\\ud800","method":"rpc.discover"}',
      '{"jsonrpc":"2.0","id":1,"method":"rpc.discover","params":{}} trailing', '/* comment */ {}',
    ),
    fc.string({ maxLength: 200 }),
    fc.string({ maxLength: 60, unit: 'binary' }),
    fc.tuple(someValidText, fc.nat()).map(([t, at]) => t.slice(0, at % Math.max(1, t.length))),
  ).map((text) => ({ label: `bad JSON ${JSON.stringify(text.slice(0, 40))}`, text }));

  // Bytes that are not UTF-8, inside and outside strings.
  const badBytes = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((b) => ({ label: 'random bytes', bytes: Buffer.from(b) })),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => ({
      label: 'invalid UTF-8 inside an id string',
      bytes: Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"'), Buffer.from([0xff, 0xfe, ...b].map((x) => (x === 0x22 || x === 0x5c ? 0x41 : x))), Buffer.from('","method":"rpc.nope"}')]),
    })),
  );

  const oversized = fc.constantFrom(
    { label: 'body over 1 MiB (a long passphrase)', text: `{"jsonrpc":"2.0","id":1,"method":"admin.describe_wallet","params":{"wallet":"w","passphrase":"${'p'.repeat(1024 * 1024)}"}}` },
    { label: 'body over 1 MiB (white space)', text: `${' '.repeat(1024 * 1024 + 1)}{}` },
  );

  const parts = [
    { arbitrary: single, weight: 400 },
    { arbitrary: batch, weight: 40 },
    { arbitrary: badJson, weight: 25 },
    { arbitrary: notificationsOnly, weight: 10 },
    { arbitrary: bigBatch, weight: 10 },
    { arbitrary: fc.constant({ label: 'empty batch', text: '[]' }), weight: 5 },
  ];
  if (options.bytes !== false) parts.push({ arbitrary: badBytes, weight: 10 });
  if (options.oversized !== false) parts.push({ arbitrary: oversized, weight: 1 });
  return fc.oneof(...parts);
}

/** HTTP cases: a message plus the headers it goes with. */
export function httpCaseArbitrary(ctx, door, options = {}) {
  const auth =
    door === 'operator'
      ? fc.oneof(
          { arbitrary: fc.constant('ok'), weight: 40 },
          { arbitrary: fc.constantFrom('lower-case scheme', 'spaces'), weight: 1 },
          { arbitrary: fc.constantFrom('missing', 'wrong', 'token with suffix', 'no scheme', 'basic'), weight: 1 },
        )
      : fc.constant('none');
  const contentType = fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 40 },
    { arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'application/vnd.fuzz+json'), weight: 1 },
    { arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ''), weight: 1 },
  );
  return fc.tuple(messageArbitrary(ctx, door, options), auth, contentType).map(([message, authMode, type]) => ({ ...message, door, auth: authMode, contentType: type }));
}

/** WebSocket cases: text frames (JSON or not) and binary frames. */
export function wsCaseArbitrary(ctx, door, options = {}) {
  // Text frames must be UTF-8 (ws closes with 1007 otherwise), so raw bytes go in binary frames only; size limits are tested apart.
  const text = messageArbitrary(ctx, door, { ...options, bytes: false, oversized: false });
  const binary = fc.oneof(
    fc.uint8Array({ maxLength: 100 }).map((b) => ({ label: 'binary frame of random bytes', bytes: Buffer.from(b) })),
    fc.constant({ label: 'binary frame holding a valid request', bytes: Buffer.from('{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}') }),
  );
  return fc.oneof({ arbitrary: text, weight: 9 }, { arbitrary: binary, weight: 1 }).map((m) => ({ ...m, door, binary: m.bytes !== undefined }));
}

// ---------------------------------------------------------------------------
// The oracle: what must come back
// ---------------------------------------------------------------------------

const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const isId = (id) => id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
const idKey = (id) => JSON.stringify(id);
export const bytesOf = (message) => (message.bytes ? Buffer.from(message.bytes) : Buffer.from(message.text, 'utf8'));

/**
 * For one request object (already parsed), the answer JSON-RPC 2.0 requires:
 * null when none (a valid notification), else { id, code?, method? } where
 * code is the error code the spec pins down (undefined when the method
 * decides), and method the method that ran.
 */
function expectedAnswer(ctx, door, request, maxBatch) {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return { id: null, code: -32600 };
  const hasId = hasOwn(request, 'id');
  if (hasId && !isId(request.id)) return { id: null, code: -32600 };
  const id = hasId ? request.id : null;
  // Not a valid Request object, so no notification either: answered (with null when there is no id).
  if (request.jsonrpc !== '2.0' || typeof request.method !== 'string') return { id, code: -32600 };
  if (hasOwn(request, 'params') && (request.params === null || typeof request.params !== 'object')) return { id, code: -32600 };
  const answer = (code) => (hasId ? { id, code, method: request.method } : null);
  const method = ctx.byName.get(request.method);
  if (!method) return answer(-32601);
  if (method.door !== 'both' && method.door !== door) return answer(-32601);
  let named;
  if (request.params === undefined) named = {};
  else if (Array.isArray(request.params)) {
    if (request.params.length > method.paramNames.length) return answer(-32602);
    named = Object.fromEntries(request.params.map((v, i) => [method.paramNames[i], v]));
  } else named = request.params;
  if (!method.validator(named)) return answer(-32602);
  return answer(undefined);
}

/**
 * What the gateway must answer to these bytes: { kind: 'none' } |
 * { kind: 'single', answer } | { kind: 'batch', answers }.
 */
export function expectedOutcome(ctx, door, bytes, maxBatch = 100) {
  let message;
  try {
    message = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { kind: 'single', answer: { id: null, code: -32700 } };
  }
  if (!Array.isArray(message)) {
    const answer = expectedAnswer(ctx, door, message, maxBatch);
    return answer ? { kind: 'single', answer } : { kind: 'none' };
  }
  if (message.length === 0 || message.length > maxBatch) return { kind: 'single', answer: { id: null, code: -32600 } };
  const answers = message.map((r) => expectedAnswer(ctx, door, r, maxBatch)).filter((a) => a !== null);
  return answers.length ? { kind: 'batch', answers } : { kind: 'none' };
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

/** Is `code` one the spec allows at all: JSON-RPC's own, declared in components.errors, or a node's 1000 + n. */
export function isSpecCode(ctx, code) {
  return Number.isInteger(code) && (STANDARD_CODES.includes(code) || ctx.declaredCodes.has(code) || (code > 1000 && code < 2000));
}

/** Problems with one response object, against what was expected of it. */
function checkResponse(ctx, response, expected, secrets) {
  const problems = [];
  if (response === null || typeof response !== 'object' || Array.isArray(response)) return ['a response is not a JSON object'];
  const extra = Object.keys(response).filter((k) => !['jsonrpc', 'id', 'result', 'error'].includes(k));
  if (extra.length) problems.push(`unexpected members ${extra.join(', ')}`);
  if (response.jsonrpc !== '2.0') problems.push(`jsonrpc is ${JSON.stringify(response.jsonrpc)}`);
  if (!hasOwn(response, 'id')) problems.push('no id');
  else if (!isId(response.id)) problems.push(`id of a wrong type: ${JSON.stringify(response.id)}`);
  const hasResult = hasOwn(response, 'result');
  const hasError = hasOwn(response, 'error');
  if (hasResult === hasError) problems.push(hasResult ? 'both result and error' : 'neither result nor error');
  if (hasError) {
    const e = response.error;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) problems.push('error is not an object');
    else {
      if (!Number.isInteger(e.code)) problems.push(`error.code is not an integer: ${JSON.stringify(e.code)}`);
      else if (!isSpecCode(ctx, e.code)) problems.push(`error.code ${e.code} is in neither JSON-RPC nor the spec`);
      if (typeof e.message !== 'string') problems.push('error.message is not a string');
      const extraE = Object.keys(e).filter((k) => !['code', 'message', 'data'].includes(k));
      if (extraE.length) problems.push(`unexpected error members ${extraE.join(', ')}`);
      // -32603 means a handler threw something it did not expect: always a defect worth a look.
      if (e.code === -32603) problems.push(`internal error: ${JSON.stringify(e.data ?? e.message).slice(0, 300)}`);
    }
  }
  if (expected) {
    if (expected.code !== undefined) {
      if (!hasError) problems.push(`expected error ${expected.code}, got a result`);
      else if (response.error?.code !== expected.code) problems.push(`expected error ${expected.code}, got ${response.error?.code}: ${response.error?.message} ${JSON.stringify(response.error?.data ?? null).slice(0, 200)}`);
    } else if (hasError && [-32700, -32600, -32601].includes(response.error?.code)) {
      problems.push(`a valid request got envelope error ${response.error.code}`);
    }
    // The method's own errors must be among those the spec lists for it (envelope errors and -32005 aside).
    const method = expected.method ? ctx.byName.get(expected.method) : undefined;
    if (method && hasError && Number.isInteger(response.error?.code)) {
      const c = response.error.code;
      const declared = method.errorCodes.has(c) || (method.errorCodes.has(1000) && c > 1000 && c < 2000);
      if (!declared && !ENVELOPE_CODES.has(c) && c !== -32005) problems.push(`${expected.method} answered ${c}, which the spec does not list for it`);
    }
  }
  return problems;
}

/** Problems with a parsed reply (single object or batch array) against the oracle. */
export function checkReplyBody(ctx, outcome, body, text, secrets = []) {
  const problems = [];
  for (const secret of secrets) if (secret && text.includes(secret)) problems.push('the reply contains a secret (the operator token)');
  if (outcome.kind === 'none') {
    problems.push('an answer came for notifications only');
    return problems;
  }
  if (outcome.kind === 'single') {
    if (Array.isArray(body)) return [...problems, 'a batch came back for a single request'];
    problems.push(...checkResponse(ctx, body, outcome.answer, secrets));
    if (body && typeof body === 'object' && idKey(body.id) !== idKey(outcome.answer.id)) problems.push(`id ${idKey(body.id)?.slice(0, 60)} instead of ${idKey(outcome.answer.id)?.slice(0, 60)}`);
    return problems;
  }
  if (!Array.isArray(body)) return [...problems, `a batch was expected, got ${text.slice(0, 100)}`];
  if (body.length !== outcome.answers.length) problems.push(`${body.length} answers for ${outcome.answers.length} requests that needed one`);
  // Answers may come in any order: match them by id, then by expected code.
  const pending = [...outcome.answers];
  for (const response of body) {
    const key = response && typeof response === 'object' ? idKey(response.id) : undefined;
    let at = pending.findIndex((a) => idKey(a.id) === key && (a.code === undefined || a.code === response?.error?.code));
    if (at < 0) at = pending.findIndex((a) => idKey(a.id) === key);
    if (at < 0) {
      problems.push(`an answer with id ${key?.slice(0, 60)} that no request asked for`);
      problems.push(...checkResponse(ctx, response, undefined, secrets));
      continue;
    }
    const [expected] = pending.splice(at, 1);
    problems.push(...checkResponse(ctx, response, expected, secrets).map((p) => `[id ${key?.slice(0, 40)}] ${p}`));
  }
  return problems;
}

/** One failing case, briefly: door, label, what was sent (cut), and its problems. */
export function describeCase(fcase, problems) {
  const body =
    fcase.text !== undefined
      ? JSON.stringify(fcase.text.length > 400 ? `${fcase.text.slice(0, 400)}… (${fcase.text.length} chars)` : fcase.text)
      : `bytes ${Buffer.from(fcase.bytes ?? []).toString('hex').slice(0, 200)}`;
  return `- [${fcase.door}] ${fcase.label}\n    sent: ${body}\n    ${problems.join('\n    ')}`;
}

/** Tallies of what came back. */
export function createStats() {
  return { cases: 0, requests: 0, codes: new Map(), labels: new Map(), statuses: new Map(), slowest: [] };
}
/** Keeps the ten slowest cases, to see what makes a run slow. */
function noteTime(stats, label, ms) {
  if (!stats) return;
  const list = stats.slowest;
  if (list.length < 10 || ms > list[list.length - 1].ms) {
    list.push({ label: label.slice(0, 120), ms: Math.round(ms) });
    list.sort((a, b) => b.ms - a.ms);
    list.length = Math.min(list.length, 10);
  }
}
function tally(stats, body) {
  const add = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const r of Array.isArray(body) ? body : [body]) {
    if (!r || typeof r !== 'object') continue;
    add(stats.codes, hasOwn(r, 'error') ? String(r.error?.code) : 'result');
  }
}

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * POSTs bytes (GETs when bytes is null); resolves with status, headers and text.
 * A kept-alive socket that the server closed just as it was reused is retried
 * once on a fresh one (Node's documented race); nothing else is retried.
 */
export function httpPost(url, bytes, headers, useAgent = true, retried = false) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = httpRequest(
      url,
      {
        method: bytes === null ? 'GET' : 'POST',
        agent: useAgent ? agent : false,
        headers: bytes === null ? headers : { ...headers, 'content-length': bytes.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e) => {
          if (!settled) reject(e);
        });
      },
    );
    // A server that answers 413 before reading the body may close while we still write: the answer is what counts.
    req.on('error', (e) => {
      if (settled) return;
      settled = true;
      if (req.reusedSocket && e.code === 'ECONNRESET' && !retried) httpPost(url, bytes, headers, useAgent, true).then(resolve, reject);
      else reject(e);
    });
    req.end(bytes ?? undefined);
  });
}

export function closeHttpAgent() {
  agent.destroy();
}

function authHeader(mode, token) {
  switch (mode) {
    case 'ok':
      return { authorization: `Bearer ${token}` };
    case 'lower-case scheme':
      return { authorization: `bearer ${token}` };
    case 'spaces':
      return { authorization: `Bearer    ${token}  ` };
    case 'wrong':
      return { authorization: 'Bearer not-the-token' };
    case 'token with suffix':
      return { authorization: `Bearer ${token}x` };
    case 'no scheme':
      return { authorization: token };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`operator:${token}`).toString('base64')}` };
    default:
      return {};
  }
}
const AUTH_OK = new Set(['ok', 'lower-case scheme', 'spaces', 'none']);

function isJsonType(type) {
  const t = type.split(';')[0].trim().toLowerCase();
  return t === 'application/json' || (t.startsWith('application/') && t.endsWith('+json'));
}

/**
 * Sends one HTTP case and checks everything about the reply.
 * target: { url, token, maxBodyBytes, maxBatch }. Returns the problems (empty when all is well).
 */
export async function runHttpCase(ctx, target, fcase, stats) {
  const bytes = bytesOf(fcase);
  const headers = { 'content-type': fcase.contentType ?? 'application/json', ...authHeader(fcase.auth, target.token) };
  if (headers['content-type'] === '') delete headers['content-type'];
  const oversized = bytes.length > target.maxBodyBytes;
  let reply;
  const started = performance.now();
  try {
    reply = await httpPost(target.url, bytes, headers, !oversized);
    noteTime(stats, fcase.label, performance.now() - started);
  } catch (error) {
    if (oversized && ['ECONNRESET', 'EPIPE'].includes(error.code)) {
      // The door may cut a too-large upload short; what matters is that it still answers afterwards.
      stats && stats.statuses.set('413 (cut)', (stats.statuses.get('413 (cut)') ?? 0) + 1);
      return [];
    }
    return [`the request failed: ${error.message}`];
  }
  if (stats) {
    stats.cases++;
    stats.statuses.set(reply.status, (stats.statuses.get(reply.status) ?? 0) + 1);
  }
  const problems = [];
  if (target.token && (reply.text.includes(target.token) || JSON.stringify(reply.headers).includes(target.token))) problems.push('the reply contains the operator token');

  let wantStatus;
  let outcome;
  if (!AUTH_OK.has(fcase.auth ?? 'none')) wantStatus = 401;
  else if (!isJsonType(headers['content-type'] ?? '')) wantStatus = 415;
  else if (oversized) wantStatus = 413;
  else {
    outcome = expectedOutcome(ctx, fcase.door, bytes, target.maxBatch);
    wantStatus = outcome.kind === 'none' ? 204 : 200;
  }
  if (reply.status !== wantStatus) problems.push(`HTTP ${reply.status} instead of ${wantStatus}`);
  if (reply.status === 204) {
    if (reply.text !== '') problems.push('a 204 with a body');
    return problems;
  }
  if (!/^application\/json/.test(String(reply.headers['content-type']))) problems.push(`content-type ${reply.headers['content-type']}`);
  let body;
  try {
    body = JSON.parse(reply.text);
  } catch {
    return [...problems, `the reply is not JSON: ${reply.text.slice(0, 200)}`];
  }
  if (stats) tally(stats, body);
  if (!outcome) {
    // Refused at the door: one error with id null.
    const code = { 401: -32003, 415: -32600, 413: -32600 }[wantStatus];
    problems.push(...checkReplyBody(ctx, { kind: 'single', answer: { id: null, code } }, body, reply.text));
  } else {
    problems.push(...checkReplyBody(ctx, outcome, body, reply.text));
  }
  return problems;
}

// ---------------------------------------------------------------------------
// WebSocket
// ---------------------------------------------------------------------------

/** A client that hands out the server's frames in order, leaving out the gateway's own notifications. */
export class WsPeer {
  static open(url, headers = {}) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, maxPayload: 64 * 1024 * 1024 });
      ws.once('open', () => resolve(new WsPeer(ws)));
      ws.once('error', reject);
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.waiting = [];
    this.notifications = 0;
    this.closed = null;
    this.sentinel = 0;
    ws.on('message', (data, isBinary) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
      const frame = { text, isBinary };
      try {
        const parsed = JSON.parse(text);
        // Server-sent notifications (admin.review_requested...) are not answers.
        if (parsed && !Array.isArray(parsed) && typeof parsed === 'object' && typeof parsed.method === 'string' && !hasOwn(parsed, 'id')) {
          this.notifications++;
          return;
        }
      } catch {
        // Kept: the check will report it.
      }
      const waiter = this.waiting.shift();
      if (waiter) waiter(frame);
      else this.frames.push(frame);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const waiter of this.waiting.splice(0)) waiter(null);
    });
    ws.on('error', () => undefined);
  }

  next(ms = 10_000) {
    const frame = this.frames.shift();
    if (frame) return Promise.resolve(frame);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(done);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(undefined);
      }, ms);
      const done = (frame) => {
        clearTimeout(timer);
        resolve(frame);
      };
      this.waiting.push(done);
    });
  }

  close() {
    this.ws.terminate();
  }
}

/**
 * Sends one WebSocket case on `peer` and checks the frame(s) that come back.
 * A case that needs no answer is followed by a sentinel request whose answer
 * must be the next frame: an answer to the notifications would arrive first.
 */
export async function runWsCase(ctx, peer, fcase, options, stats) {
  const problems = [];
  const bytes = bytesOf(fcase);
  if (peer.closed) return [`the WebSocket was closed (${peer.closed.code})`];
  const started = performance.now();
  if (fcase.binary) peer.ws.send(bytes, { binary: true });
  else peer.ws.send(fcase.text);
  if (stats) stats.cases++;
  const outcome = fcase.binary ? { kind: 'single', answer: { id: null, code: -32700 } } : expectedOutcome(ctx, fcase.door, bytes, options.maxBatch);
  if (outcome.kind === 'none') {
    const id = `sentinel-${++peer.sentinel}`;
    peer.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'fuzz.sentinel' }));
    const frame = await peer.next();
    if (!frame) return [`no answer to the sentinel (${frame === null ? `closed ${peer.closed?.code}` : 'timeout'})`];
    let body;
    try {
      body = JSON.parse(frame.text);
    } catch {
      return [`a frame that is not JSON: ${frame.text.slice(0, 100)}`];
    }
    if (body?.id !== id) problems.push(`an answer came for notifications only: ${frame.text.slice(0, 200)}`);
    return problems;
  }
  const frame = await peer.next();
  noteTime(stats, fcase.label, performance.now() - started);
  if (!frame) return [`no answer (${frame === null ? `closed ${peer.closed?.code} ${peer.closed?.reason}` : 'timeout'})`];
  if (frame.isBinary) problems.push('the gateway answered with a binary frame');
  let body;
  try {
    body = JSON.parse(frame.text);
  } catch {
    return [...problems, `a frame that is not JSON: ${frame.text.slice(0, 100)}`];
  }
  if (stats) tally(stats, body);
  problems.push(...checkReplyBody(ctx, outcome, body, frame.text, options.secrets ?? []));
  return problems;
}

// ---------------------------------------------------------------------------
// Liveness and pollution
// ---------------------------------------------------------------------------

/** The process is up (GET /health at both doors) and a valid request at each door is still answered normally. */
export async function probeDoors(target) {
  const problems = [];
  for (const url of [target.operatorUrl, target.applicationUrl]) {
    const health = await httpPost(new URL('/health', url), null, {});
    if (health.status !== 200 || safeParse(health.text)?.status !== 'ok') problems.push(`GET /health: ${health.status} ${health.text.slice(0, 100)}`);
  }
  const op = await httpPost(target.operatorUrl, Buffer.from('{"jsonrpc":"2.0","id":"probe","method":"admin.list_wallets","params":{}}'), {
    'content-type': 'application/json',
    authorization: `Bearer ${target.token}`,
  });
  const opBody = safeParse(op.text);
  if (op.status !== 200 || opBody?.id !== 'probe' || !Array.isArray(opBody?.result?.wallets)) problems.push(`operator door probe: ${op.status} ${op.text.slice(0, 200)}`);
  const app = await httpPost(target.applicationUrl, Buffer.from('{"jsonrpc":"2.0","id":7,"method":"rpc.discover"}'), { 'content-type': 'application/json' });
  const appBody = safeParse(app.text);
  if (app.status !== 200 || appBody?.id !== 7 || typeof appBody?.result?.openrpc !== 'string') problems.push(`application door probe: ${app.status} ${app.text.slice(0, 200)}`);
  return problems;
}

function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A snapshot of the built-in prototypes, to notice pollution. */
export function prototypeSnapshot() {
  const names = (o) => Object.getOwnPropertyNames(o).sort().join(',');
  return `${names(Object.prototype)}|${names(Array.prototype)}|${names(Function.prototype)}|${names(String.prototype)}`;
}
export function pollutionProblems(snapshot) {
  const problems = [];
  if (prototypeSnapshot() !== snapshot) problems.push('a built-in prototype gained or lost properties');
  const probe = {};
  for (const key of ['polluted', 'isAdmin']) if (probe[key] !== undefined) problems.push(`Object.prototype.${key} is set`);
  return problems;
}
