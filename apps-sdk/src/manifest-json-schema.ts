import { z } from 'zod';
import { manifestSchema } from './manifest.ts';
import { MANIFEST_DESCRIPTIONS } from './manifest-descriptions.ts';

/**
 * The manifest's JSON Schema (draft 2020-12), generated from the zod schema, describing the file as
 * written (defaults make fields optional), every field with its `description` from
 * {@link MANIFEST_DESCRIPTIONS}. Published as `apps-sdk/databox-app.schema.json`;
 * regenerate with `npx tsx apps-sdk/scripts/generate-schema.ts`.
 *
 * @example
 * ```ts
 * const schema = manifestJsonSchema();
 * schema.title; // 'Databox app manifest (databox-app.json)'
 * ```
 */
export function manifestJsonSchema(): Record<string, unknown> {
  // a JSON copy: no node object is shared between two paths, so each gets its own description
  const generated = JSON.parse(
    JSON.stringify(z.toJSONSchema(manifestSchema, { io: 'input', target: 'draft-2020-12' })),
  ) as Record<string, unknown>;
  describeProperties(generated, '');
  return {
    $schema: generated.$schema,
    $id: 'https://databox.invalid/schemas/databox-app.schema.json',
    title: 'Databox app manifest (databox-app.json)',
    ...generated,
  };
}

type SchemaNode = Record<string, unknown>;

/**
 * Calls `visit(path, node)` for every property of a generated schema, `path` as the keys of
 * {@link MANIFEST_DESCRIPTIONS} spell it (`requests[].resolutions[].purpose`; union variants share it).
 *
 * @example
 * ```ts
 * forEachProperty(manifestJsonSchema(), (path) => console.log(path)); // '$schema', 'id', …
 * ```
 */
export function forEachProperty(
  node: unknown,
  visit: (path: string, node: SchemaNode) => void,
  path = '',
): void {
  if (typeof node !== 'object' || node === null) return;
  const schema = node as SchemaNode;
  const properties = schema.properties as Record<string, SchemaNode> | undefined;
  for (const [key, child] of Object.entries(properties ?? {})) {
    const childPath = path === '' ? key : `${path}.${key}`;
    visit(childPath, child);
    forEachProperty(child, visit, childPath);
  }
  if (schema.items) forEachProperty(schema.items, visit, `${path}[]`);
  for (const list of ['oneOf', 'anyOf', 'allOf'])
    for (const variant of (schema[list] as unknown[] | undefined) ?? [])
      forEachProperty(variant, visit, path);
}

function describeProperties(schema: SchemaNode, root: string): void {
  forEachProperty(
    schema,
    (path, node) => {
      const description = MANIFEST_DESCRIPTIONS[path];
      if (description !== undefined) node.description = description;
    },
    root,
  );
}
