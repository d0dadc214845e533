// tsc rewrites `./x.ts` imports to `./x.js` in the emitted JavaScript (rewriteRelativeImportExtensions)
// but keeps `.ts` in the .d.ts files; a project without allowImportingTsExtensions then cannot
// read them. Rewrite the relative specifiers of dist/**/*.d.ts the same way.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = join(import.meta.dirname, '..', 'dist');
let files = 0;
for (const name of readdirSync(dist, { recursive: true })) {
  if (!String(name).endsWith('.d.ts')) continue;
  const path = join(dist, String(name));
  const text = readFileSync(path, 'utf8');
  const fixed = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
  if (fixed !== text) {
    writeFileSync(path, fixed);
    files++;
  }
}
console.log(`fix-declarations: rewrote .ts imports in ${files} declaration files`);
