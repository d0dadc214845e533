/**
 * `npm run bench`: runs every benchmark in bench/ one after another, each in its own process (so
 * one's memory or failure does not skew the next), and prints their tables. `npm run bench --
 * store` runs only the files whose name contains "store".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'table.ts'].includes(f))
  .filter((f) => !filter || f.includes(filter))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n=== bench/${file} ===`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--no-node-snapshot', '--import', 'tsx', join(here, file)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    failed++;
    console.log(`bench/${file} failed (exit ${result.status ?? result.signal})`);
  } else console.log(`(bench/${file}: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
console.log(
  `\n${files.length - failed} of ${files.length} benchmarks ran; results are recorded in bench/README.md`,
);
process.exitCode = failed > 0 ? 1 : 0;
