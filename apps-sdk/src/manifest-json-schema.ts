import { z } from 'zod';
import { manifestSchema } from './manifest.ts';

/**
 * The manifest's JSON Schema (draft 2020-12), generated from the zod schema, describing the file as
 * written (defaults make fields optional). Published as `apps-sdk/databox-app.schema.json`;
 * regenerate with `npx tsx apps-sdk/scripts/generate-schema.ts`.
 *
 * @example
 * ```ts
 * const schema = manifestJsonSchema();
 * schema.title; // 'Databox app manifest (databox-app.json)'
 * ```
 */
export function manifestJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(manifestSchema, { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  return {
    $schema: generated.$schema,
    $id: 'https://databox.invalid/schemas/databox-app.schema.json',
    title: 'Databox app manifest (databox-app.json)',
    ...generated,
  };
}
