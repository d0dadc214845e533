import { createRequire } from 'node:module';
import type { Ajv as AjvType, ValidateFunction } from 'ajv';
import type { ErrorDetail } from '../errors.ts';

// ajv (~8 MB resident) is loaded on the first check, not at box start: most boxes validate an
// app's schemas only when it emits an insight or requests an export.
let ajv: AjvType | undefined;
function validator(): AjvType {
  if (!ajv) {
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    ajv = new Ajv({ allErrors: true, strict: false });
  }
  return ajv;
}
const cache = new Map<string, ValidateFunction>();

/**
 * Checks `value` against a JSON Schema from a manifest (export payloads, insight data) and returns
 * every problem as `{ path, message }` (empty when it conforms). Compiled schemas are cached.
 *
 * @example
 * checkJsonSchema({ type: 'object', required: ['kwh'] }, {}, 'payload'); // [{ path: 'payload', message: "must have required property 'kwh'" }]
 */
export function checkJsonSchema(
  schema: Record<string, unknown>,
  value: unknown,
  prefix: string,
): ErrorDetail[] {
  const key = JSON.stringify(schema);
  let validate = cache.get(key);
  if (!validate) {
    try {
      validate = validator().compile(schema);
    } catch (error) {
      return [
        { path: prefix, message: `the manifest's schema does not compile: ${(error as Error).message}` },
      ];
    }
    cache.set(key, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => ({
    path: `${prefix}${e.instancePath.replaceAll('/', '.')}`,
    message: e.message ?? 'does not match the schema',
  }));
}
