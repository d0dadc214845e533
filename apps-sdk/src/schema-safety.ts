import { regexProblem } from './regex-safety.ts';

/** One problem in a manifest's JSON Schema, at a manifest path like `insights[0].schema.properties.name.pattern`. */
export interface SchemaIssue {
  path: string;
  message: string;
}

/** Largest JSON Schema (as JSON text) an insight or export may declare. */
export const MAX_SCHEMA_BYTES = 32_768;
/** Deepest nesting of subschemas. */
export const MAX_SCHEMA_DEPTH = 24;

/** Keywords whose value is a map of name → subschema. */
const SCHEMA_MAPS = new Set([
  'properties',
  'patternProperties',
  'definitions',
  '$defs',
  'dependentSchemas',
  'dependencies',
]);
/** Keywords whose value is data, not a schema: a `pattern` in there never runs. */
const DATA = new Set(['const', 'enum', 'default', 'examples']);

/**
 * Appends `key` to a manifest path: `.name` for identifiers, `["a.b"]` otherwise.
 *
 * @example
 * ```ts
 * child('insights[0].schema.properties', 'name'); // 'insights[0].schema.properties.name'
 * ```
 */
export function child(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function walk(node: unknown, path: string, depth: number, issues: SchemaIssue[]): void {
  if (typeof node !== 'object' || node === null) return;
  if (depth > MAX_SCHEMA_DEPTH) {
    issues.push({ path, message: `nests subschemas deeper than ${MAX_SCHEMA_DEPTH} levels` });
    return;
  }
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      walk(item, `${path}[${i}]`, depth + 1, issues);
    });
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    const at = child(path, key);
    if (DATA.has(key)) continue;
    if (key === 'pattern' && typeof value === 'string') {
      const problem = regexProblem(value);
      if (problem) issues.push({ path: at, message: `${JSON.stringify(value)} ${problem}` });
    } else if (key === '$ref' && typeof value === 'string' && !value.startsWith('#')) {
      issues.push({
        path: at,
        message: `"${value}" is not a reference inside this schema (the box fetches nothing)`,
      });
    } else if (SCHEMA_MAPS.has(key) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [name, sub] of Object.entries(value)) {
        const subPath = child(at, name);
        if (key === 'patternProperties') {
          const problem = regexProblem(name);
          if (problem)
            issues.push({
              path: subPath,
              message: `the property pattern ${JSON.stringify(name)} ${problem}`,
            });
        }
        walk(sub, subPath, depth + 1, issues);
      }
    } else {
      // every other keyword (known or not) is walked as a subschema: over-checking is safe
      walk(value, at, depth + 1, issues);
    }
  }
}

/**
 * Checks one app-supplied JSON Schema before the box accepts it: at most 32 KiB as JSON, at most
 * 24 levels of subschemas, only local `$ref`s, and every `pattern` and `patternProperties` key
 * safe by {@link regexProblem}. (`format` runs no regex: the box validates no formats.) Returns
 * every problem with its manifest path.
 *
 * @example
 * ```ts
 * schemaSafetyIssues({ properties: { name: { type: 'string', pattern: '^(a+)+$' } } }, 'insights[0].schema');
 * // [{ path: 'insights[0].schema.properties.name.pattern', message: '"^(a+)+$" nests the quantifier ...' }]
 * ```
 */
export function schemaSafetyIssues(schema: unknown, path: string): SchemaIssue[] {
  const bytes = Buffer.byteLength(JSON.stringify(schema) ?? '');
  if (bytes > MAX_SCHEMA_BYTES)
    return [{ path, message: `is ${bytes} bytes of JSON; a schema may have at most ${MAX_SCHEMA_BYTES}` }];
  const issues: SchemaIssue[] = [];
  walk(schema, path, 0, issues);
  return issues;
}
