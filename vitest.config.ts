import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/helpers/slow-first-sequencer.ts';

// This run's build of the sources under test (made by test/helpers/compiled-box-setup.ts, removed
// at the end). Always this process's own: the pid keeps two runs in one checkout apart, and a
// vitest that a test starts (no-shared.test.ts) must not take over, rebuild or remove its parent's.
const build = join(import.meta.dirname, `.databox-test-build-${process.pid}`);
process.env.DATABOX_TEST_BUILD = build;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one fork fewer than the CPUs: one on a 2-CPU machine (CI, this project's
    // VM), so every file ran after the other while most of them wait on processes they spawned.
    // Users' 4+ CPU machines already run 3+ files at once; two here keeps CI that way too.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // the `databox` processes the tests spawn run the sources under test, never a stale dist/: the
    // helpers spawn a build of this tree made once per run (test/helpers/compiled-box-setup.ts);
    // bin/databox.js, which some tests spawn as a user would, loads the sources through tsx
    globalSetup: ['test/helpers/compiled-box-setup.ts'],
    env: { DATABOX_FROM_SOURCE: '1' },
    // the slowest files first when vitest has no timings of its own (a fresh clone, CI)
    sequence: { sequencer: SlowFirstSequencer },
  },
  resolve: {
    // The isolate host supervisor forks its child from beside itself: from this run's build, the
    // host child is plain JavaScript and ready in ~0.8 s, where through tsx it takes 3-4 s, and the
    // in-process tests start hundreds of hosts. Same sources, compiled once at the start of the run.
    alias: [
      {
        find: /^\.\/isolate-host-supervisor\.ts$/,
        replacement: join(build, 'box/sandbox/isolate/isolate-host-supervisor.js'),
      },
    ],
  },
});
