/** Writes apps-sdk/databox-app.schema.json from the zod manifest schema. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestJsonSchema } from '../src/manifest-json-schema.ts';

const file = join(import.meta.dirname, '..', 'databox-app.schema.json');
writeFileSync(file, `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file}`);
