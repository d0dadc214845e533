/** A JSON Schema fragment as manifests declare them (only what the sample needs). */
interface SchemaLike {
  type?: string | string[];
  properties?: Record<string, SchemaLike>;
  required?: string[];
  items?: SchemaLike;
  enum?: unknown[];
  const?: unknown;
  examples?: unknown[];
  default?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
}

/** Strings to try against a `pattern`, so the sample passes the schema the gateway checks. */
function sampleString(schema: SchemaLike, now: Date): string {
  const iso = now.toISOString();
  const candidates = [iso.slice(0, 7), iso.slice(0, 10), iso, 'example', 'A1', '0'];
  if (schema.format === 'date-time') return iso;
  if (schema.format === 'date') return iso.slice(0, 10);
  if (schema.pattern) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(schema.pattern, 'u');
    } catch {
      re = undefined;
    }
    const hit = re && candidates.find((s) => re.test(s));
    if (hit) return hit;
  }
  return 'example';
}

/**
 * A plausible payload for an export schema, for the consent screen: the schema's own example when
 * it has one, else made up field by field (numbers 123.4 within any bounds, strings that match a
 * `pattern` when one of a few candidates does). Only the shape is meant; the values are invented.
 *
 * @example
 * samplePayload({ type: 'object', properties: { month: { type: 'string', pattern: '^\\d{4}-\\d{2}$' }, kWh: { type: 'number' } } }, new Date('2024-03-01'));
 * // { month: '2024-03', kWh: 123.4 }
 */
export function samplePayload(schema: unknown, now = new Date(), depth = 0): unknown {
  const s = (schema ?? {}) as SchemaLike;
  if (s.examples?.length) return s.examples[0];
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  if (s.default !== undefined) return s.default;
  const type = Array.isArray(s.type) ? s.type[0] : (s.type ?? (s.properties ? 'object' : undefined));
  if (depth > 5) return null;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(s.properties ?? {}).map(([k, v]) => [k, samplePayload(v, now, depth + 1)]),
      );
    case 'array':
      return [samplePayload(s.items, now, depth + 1)];
    case 'string':
      return sampleString(s, now);
    case 'integer':
      return Math.max(s.minimum ?? 0, Math.min(s.maximum ?? 42, 42));
    case 'number':
      return Math.max(s.minimum ?? 0, Math.min(s.maximum ?? 123.4, 123.4));
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return '…';
  }
}
