import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // processes the tests spawn (bin/databox.js) run the sources under test, never a stale dist/
    env: { DATABOX_FROM_SOURCE: '1' },
  },
});
