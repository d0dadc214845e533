import { patternMaxLength } from './regex-safety.ts';
import { child, type SchemaIssue } from './schema-safety.ts';

/** The most JSON bytes a value matching a schema can take; `Infinity` with `why` when unbounded. */
export interface PayloadBound {
  bytes: number;
  why?: SchemaIssue;
}

const INF = Number.POSITIVE_INFINITY;
// JSON.stringify writes any double in at most 25 characters ("-0.0000012345678901234567")
const NUMBER_BYTES = 25;
// one code point serialises to at most 6 bytes (`\u001f`, or a lone surrogate `\ud800`)
const stringBytes = (codePoints: number) => 6 * codePoints + 2;
const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? 'null');

type Schema = Record<string, unknown>;
const unbounded = (path: string, message: string): PayloadBound => ({ bytes: INF, why: { path, message } });
const finite = (bytes: number): PayloadBound => ({ bytes });
const min = (a: PayloadBound, b: PayloadBound) => (b.bytes < a.bytes ? b : a);
const max = (a: PayloadBound, b: PayloadBound) => (b.bytes > a.bytes ? b : a);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function stringLength(s: Schema): number {
  const lengths = [num(s.maxLength) ?? INF];
  if (typeof s.pattern === 'string') lengths.push(patternMaxLength(s.pattern));
  return Math.min(...lengths);
}

function integerBytes(s: Schema): number {
  const lo = num(s.minimum) ?? num(s.exclusiveMinimum);
  const hi = num(s.maximum) ?? num(s.exclusiveMaximum);
  if (lo === undefined || hi === undefined || Math.abs(lo) >= 1e21 || Math.abs(hi) >= 1e21)
    return NUMBER_BYTES;
  return Math.max(String(Math.ceil(lo)).length, String(Math.floor(hi)).length);
}

function arrayBound(s: Schema, path: string): PayloadBound {
  let n = num(s.maxItems) ?? INF;
  const items = s.items;
  const parts: PayloadBound[] = [];
  if (Array.isArray(items)) {
    if (s.additionalItems === false) n = Math.min(n, items.length);
    if (n === INF) return unbounded(path, 'is an array without maxItems: it can carry any amount of data');
    for (let i = 0; i < Math.min(n, items.length); i++) parts.push(bound(items[i], `${path}.items[${i}]`));
    if (n > items.length) {
      const rest = bound(s.additionalItems ?? true, child(path, 'additionalItems'));
      parts.push({ ...rest, bytes: rest.bytes * (n - items.length) });
    }
  } else {
    if (n === INF) return unbounded(path, 'is an array without maxItems: it can carry any amount of data');
    if (n > 0) {
      const each = bound(items ?? true, child(path, 'items'));
      parts.push({ ...each, bytes: each.bytes * n });
    }
  }
  const worst = parts.find((p) => p.bytes === INF);
  return worst ?? finite(2 + Math.max(0, n - 1) + parts.reduce((t, p) => t + p.bytes, 0));
}

function objectBound(s: Schema, path: string): PayloadBound {
  const properties = (typeof s.properties === 'object' && s.properties) || {};
  const patterns = (typeof s.patternProperties === 'object' && s.patternProperties) || {};
  let total = 2;
  for (const [name, sub] of Object.entries(properties)) {
    const value = bound(sub, child(child(path, 'properties'), name));
    if (value.bytes === INF) return value;
    total += jsonBytes(name) + 1 + value.bytes + 1;
  }
  const open = s.additionalProperties !== false;
  if (!open && Object.keys(patterns).length === 0) return finite(total);
  const count = num(s.maxProperties);
  if (count === undefined)
    return unbounded(
      path,
      'is an object open to more properties (additionalProperties is not false, or patternProperties) without maxProperties: it can carry any amount of data',
    );
  const names =
    typeof s.propertyNames === 'object' && s.propertyNames ? stringLength(s.propertyNames as Schema) : INF;
  const patternNames = open ? INF : Math.max(...Object.keys(patterns).map(patternMaxLength));
  const keyLength = Math.min(names, patternNames);
  if (keyLength === INF)
    return unbounded(path, 'takes property names of any length: give propertyNames a maxLength');
  let value: PayloadBound = finite(0);
  if (open) value = max(value, bound(s.additionalProperties ?? true, child(path, 'additionalProperties')));
  for (const [p, sub] of Object.entries(patterns))
    value = max(value, bound(sub, child(child(path, 'patternProperties'), p)));
  if (value.bytes === INF) return value;
  return finite(total + count * (stringBytes(keyLength) + 1 + value.bytes + 1));
}

function ownBound(s: Schema, path: string): PayloadBound {
  if ('const' in s) return finite(jsonBytes(s.const));
  if (Array.isArray(s.enum)) return finite(Math.max(0, ...s.enum.map(jsonBytes)));
  const types = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? s.type : undefined;
  if (!types) return unbounded(path, 'has no type: any JSON value, of any size, would match');
  let worst: PayloadBound = finite(0);
  for (const type of types) {
    let b: PayloadBound;
    if (type === 'null') b = finite(4);
    else if (type === 'boolean') b = finite(5);
    else if (type === 'number') b = finite(NUMBER_BYTES);
    else if (type === 'integer') b = finite(integerBytes(s));
    else if (type === 'string') {
      const length = stringLength(s);
      b =
        length === INF
          ? unbounded(
              path,
              'is a string without maxLength (or an anchored pattern of bounded length): it can carry any amount of data',
            )
          : finite(stringBytes(length));
    } else if (type === 'array') b = arrayBound(s, path);
    else if (type === 'object') b = objectBound(s, path);
    else b = unbounded(path, `has the unknown type "${String(type)}"`);
    worst = max(worst, b);
  }
  return worst;
}

function bound(schema: unknown, path: string): PayloadBound {
  if (schema === false) return finite(0);
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    return unbounded(path, 'accepts any JSON value, of any size');
  const s = schema as Schema;
  // every keyword only narrows what matches, so the tightest of these bounds holds
  let result = ownBound(s, path);
  if (Array.isArray(s.allOf))
    s.allOf.forEach((sub, i) => {
      result = min(result, bound(sub, `${path}.allOf[${i}]`));
    });
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = s[key];
    if (!Array.isArray(branches) || branches.length === 0) continue;
    result = min(result, branches.map((sub, i) => bound(sub, `${path}.${key}[${i}]`)).reduce(max));
  }
  return result;
}

/**
 * The most bytes (as JSON text, the way the box measures an export) of any payload that matches an
 * export's schema, computed from `maxLength`, anchored `pattern`s, `maxItems`, closed objects
 * (`additionalProperties: false`, or `maxProperties` with bounded `propertyNames`), `const`, `enum`
 * and the number types; or `Infinity` with the path and reason of what leaves it unbounded.
 *
 * @example
 * ```ts
 * exportPayloadBound({ type: 'object', additionalProperties: false, properties: { kwh: { type: 'number' } } }, 'schema');
 * // { bytes: 33 }
 * exportPayloadBound({ type: 'object', properties: { note: { type: 'string' } } }, 'schema').bytes; // Infinity
 * ```
 */
export function exportPayloadBound(schema: unknown, path: string): PayloadBound {
  return bound(schema, path);
}
