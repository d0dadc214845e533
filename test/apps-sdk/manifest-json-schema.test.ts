import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { manifestJsonSchema } from '../../apps-sdk/src/manifest-json-schema.ts';

const published = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../apps-sdk/databox-app.schema.json'), 'utf8'),
);

describe('databox-app.schema.json', () => {
  it('is up to date with the zod schema (regenerate with apps-sdk/scripts/generate-schema.ts)', () => {
    expect(published).toEqual(manifestJsonSchema());
  });

  it('accepts a manifest written without defaults and rejects a wrong runtime', () => {
    const validate = new Ajv2020({ strict: false }).compile(published);
    const manifest = {
      id: 'hello',
      name: 'Hello',
      version: '1.0.0',
      description: 'd',
      author: 'a',
      runtime: { type: 'container', image: 'databox/node-base', command: ['/app/dist/app.js'] },
    };
    expect(validate(manifest)).toBe(true);
    expect(validate({ ...manifest, runtime: { type: 'vm' } })).toBe(false);
    expect(validate({ ...manifest, limits: { memoryMb: 1024 } })).toBe(false);
  });
});
