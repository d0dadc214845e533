/**
 * The node flags the box daemon runs with. `bin/databox.js` carries them in its `#!` line (so
 * `databox start` through npm's bin link gets them without a second process), `npm start` passes
 * them too, and test/box/cli/node-flags.test.ts checks both say the same as this list.
 *
 * Why (bench/README.md, *Daemon memory*): by default V8 lets each of the young generation's
 * semi-spaces grow to 16 MiB and keeps them committed after an ingest burst; 1 MiB costs nothing
 * visible in ingest rate. The old-space cap makes V8 collect before it grows far, and is set well
 * above the largest answer the API allows (a million raw readings, test/integration/
 * daemon-memory.test.ts), so a big read still works. One V8 worker thread instead of four (node's
 * default pool): after a year's ingest the daemon held 92.1–93.6 MiB with it against 94.1–98.4
 * without, and after a restart with queries at most 97.8 MiB against up to 104.8 (five and seven
 * runs, alternating, same ingest rate; bench/README.md, *One V8 worker thread*).
 */
export const DAEMON_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=1',
  '--max-old-space-size=256',
  '--v8-pool-size=1',
];

/**
 * The environment the daemon's `#!` line sets: at most two glibc malloc arenas. By default glibc
 * gives each thread that allocates (libuv's pool, V8's helpers) an arena of its own, whose freed
 * pages stay resident; after a restart with queries this saved ~13 MiB (bench/README.md).
 */
export const DAEMON_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
