import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_DESCRIPTIONS } from '../../apps-sdk/src/manifest-descriptions.ts';
import { forEachProperty, manifestJsonSchema } from '../../apps-sdk/src/manifest-json-schema.ts';

/** Editors show these on hover: a manifest field published without one is a gap in the docs. */
const published = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../apps-sdk/databox-app.schema.json'), 'utf8'),
);

function properties(schema: unknown): Array<{ path: string; description: unknown }> {
  const found: Array<{ path: string; description: unknown }> = [];
  forEachProperty(schema, (path, node) => found.push({ path, description: node.description }));
  return found;
}

describe('manifest JSON Schema descriptions', () => {
  it('describes every property of the published schema, nested ones and union variants included', () => {
    const all = properties(published);
    // the walk reaches the nested and variant fields, not just the top level
    expect(all.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        'runtime.command',
        'requests[].resolutions[].purpose',
        'schedule.every',
        'limits.timeoutMs',
      ]),
    );
    all.push(...properties(manifestJsonSchema()));
    const undescribed = all.filter(
      (p) => typeof p.description !== 'string' || p.description.trim().length < 10,
    );
    expect(undescribed.map((p) => p.path)).toEqual([]);
  });

  it('has no description for a field that does not exist (a renamed field keeps none by mistake)', () => {
    const paths = new Set(properties(manifestJsonSchema()).map((p) => p.path));
    expect(Object.keys(MANIFEST_DESCRIPTIONS).filter((key) => !paths.has(key))).toEqual([]);
  });

  it('fails for a field added without a description', () => {
    const schema = manifestJsonSchema() as { properties: Record<string, unknown> };
    schema.properties.newField = { type: 'string' };
    expect(
      properties(schema)
        .filter((p) => p.description === undefined)
        .map((p) => p.path),
    ).toEqual(['newField']);
  });
});
