#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 --max-old-space-size=256 --v8-pool-size=1
// The flags above are box/cli/node-flags.ts's DAEMON_NODE_FLAGS and DAEMON_ENV (test/box/cli/
// node-flags.test.ts keeps them equal): they keep the daemon's memory small (bench/README.md,
// *Daemon memory*).
// `env -S` passes them on Linux (coreutils 8.30+), macOS and the BSDs; `node bin/databox.js` runs
// without them (docs/operations.md).
// Thin shim. Runs the compiled CLI from dist/ (built by `npm install` / `npm run build`) when it
// is there and up to date: plain JavaScript starts faster and uses ~35 MB less memory than
// compiling TypeScript on the fly. Otherwise (a fresh edit, or DATABOX_FROM_SOURCE=1, as the
// tests set) it loads the TypeScript sources through tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist/box/cli/main.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function compiledIsFresh() {
  if (process.env.DATABOX_FROM_SOURCE === '1' || !existsSync(compiled)) return false;
  const built = statSync(compiled).mtimeMs;
  return ['box', 'drivers', 'apps-sdk/src', 'export-gateway'].every(
    (dir) => !existsSync(join(root, dir)) || newestSource(join(root, dir)) <= built,
  );
}

let main;
if (compiledIsFresh()) {
  ({ main } = await import(compiled));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../box/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
