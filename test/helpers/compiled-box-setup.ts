import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { REPO_ROOT } from './box-process.ts';
import { compileBox } from './compile-box.ts';

/**
 * vitest globalSetup: compiles the sources under test once per run into a fresh folder of the
 * checkout (`.databox-test-build-*`, git-ignored), so the `databox` processes the tests spawn start
 * from plain JavaScript instead of compiling the TypeScript through tsx each time (measured: a
 * `databox start` is ready in ~1.4 s instead of ~2.8–4.8 s, and its export gateway and isolate
 * hosts start compiled too, and so do the isolate hosts of in-process tests: see the alias in
 * vitest.config.ts). Never a stale dist/: built from this tree at the start of the run, and
 * again before each rerun in watch mode. The test workers find it in `DATABOX_TEST_BUILD`.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  // vitest.config.ts names it (its resolve.alias points into it); else a fresh one
  const out = process.env.DATABOX_TEST_BUILD ?? mkdtempSync(join(REPO_ROOT, '.databox-test-build-'));
  rmSync(out, { recursive: true, force: true }); // left by a run that was killed, whose pid this is
  await compileBox(out);
  process.env.DATABOX_TEST_BUILD = out;
  project.onTestsRerun(() => compileBox(out));
  return () => rmSync(out, { recursive: true, force: true });
}
