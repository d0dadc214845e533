/** The building blocks of the audit action schemas (`action-schemas.ts`, `app-action-schemas.ts`). */

/** JSON Schema of one action's details (plain data, so it serialises into the docs as it is). */
export type JsonSchema = Record<string, unknown>;

export interface ActionSchema {
  /** Actors that write it: `user`, `box`, `gateway`, `app:<id>`, `driver:<id>`. */
  actors: string[];
  /** What `subject` holds (`''` when nothing in particular). */
  subject: string;
  /** When it is written, in a few words. */
  summary: string;
  details: JsonSchema;
}

export const text = { type: 'string', maxLength: 256 };
export const int = { type: 'integer' };
export const time = { type: 'integer', minimum: 0 };
export const count = { type: 'integer', minimum: 0 };
export const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
export const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
export const uuid = { type: 'string', pattern: '^[0-9a-f-]{36}$' };
export const anyJson = {};
export const counts = { type: 'object', additionalProperties: count };

/** An object with exactly these properties: all required except those named in `optional`. */
export function shape(properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    additionalProperties: false,
  };
}

/** Details whose keys follow another part's data (a datasource, a driver config): these are required, more may come. */
export function open(properties: Record<string, JsonSchema>, required = Object.keys(properties)): JsonSchema {
  return { type: 'object', properties, required };
}

export const window = { from: time, to: time };
export const commitment = { commitment: hex64 };
export const exportRef = { export: uuid, destination: text };
