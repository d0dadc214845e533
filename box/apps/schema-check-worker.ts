import { parentPort } from 'node:worker_threads';
import { Ajv, type ValidateFunction } from 'ajv';

/** A request from `json-schema-check.ts`: check `value` against `schema`. */
export interface SchemaCheckRequest {
  id: number;
  schema: Record<string, unknown>;
  value: unknown;
  prefix: string;
}

/** The answer: every problem (at most {@link MAX_PROBLEMS}), or why the schema does not compile. */
export interface SchemaCheckResponse {
  id: number;
  problems: Array<{ path: string; message: string }>;
}

export const MAX_PROBLEMS = 50;
const MAX_CACHED = 200;

// The worker holds ajv so that an app's regex runs here, never on the daemon's event loop; the
// daemon terminates this thread when one check runs past its time limit. `validateFormats: false`:
// the box knows no formats (`format` is an annotation), and ajv would log a warning per schema.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const cache = new Map<string, { schema: Record<string, unknown>; validate: ValidateFunction }>();

function compiled(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit) return hit.validate;
  const validate = ajv.compile(schema);
  if (cache.size >= MAX_CACHED) {
    const [oldest, entry] = cache.entries().next().value as [string, { schema: Record<string, unknown> }];
    cache.delete(oldest);
    ajv.removeSchema(entry.schema);
  }
  cache.set(key, { schema, validate });
  return validate;
}

function check({ id, schema, value, prefix }: SchemaCheckRequest): SchemaCheckResponse['problems'] {
  let validate: ValidateFunction;
  try {
    validate = compiled(schema);
  } catch (error) {
    return [{ path: prefix, message: `the manifest's schema does not compile: ${(error as Error).message}` }];
  }
  // from here on the (shorter) validation time limit applies
  parentPort?.postMessage({ compiled: id });
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  const problems = errors.slice(0, MAX_PROBLEMS).map((e) => ({
    path: `${prefix}${e.instancePath.replaceAll('/', '.')}`,
    message: e.message ?? 'does not match the schema',
  }));
  if (errors.length > MAX_PROBLEMS)
    problems.push({ path: prefix, message: `and ${errors.length - MAX_PROBLEMS} more problems` });
  return problems;
}

parentPort?.on('message', (request: SchemaCheckRequest) => {
  parentPort?.postMessage({ id: request.id, problems: check(request) } satisfies SchemaCheckResponse);
});
parentPort?.postMessage({ ready: true });
