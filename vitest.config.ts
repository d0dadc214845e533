import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/helpers/slow-first-sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // the `databox` processes the tests spawn run the sources under test, never a stale dist/: the
    // helpers spawn a build of this tree made once per run (test/helpers/compiled-box-setup.ts);
    // bin/databox.js, which some tests spawn as a user would, loads the sources through tsx
    globalSetup: ['test/helpers/compiled-box-setup.ts'],
    env: { DATABOX_FROM_SOURCE: '1' },
    // the slowest files first when vitest has no timings of its own (a fresh clone, CI)
    sequence: { sequencer: SlowFirstSequencer },
  },
});
