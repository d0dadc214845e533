import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/**
 * Real captured device and meter data lives in `../shared/fixtures` beside the checkout (see its
 * SOURCES.md). Tests read it in place and never copy it into the project. CI always has it; a
 * user's clone without it skips those tests with a message.
 *
 * Read fixtures only inside `it`/`beforeAll`, never in a `describe` body: vitest runs the body of
 * a skipped `describe` too (to collect its tests), so a read there fails the whole file with
 * ENOENT. `DATABOX_SHARED_FIXTURES` points elsewhere (test/repo/no-shared.test.ts sets it to a
 * missing folder to check that a clone without `../shared` passes).
 */
export const SHARED_FIXTURES = resolve(
  process.env.DATABOX_SHARED_FIXTURES ??
    join(dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures'),
);
export const haveSharedFixtures = existsSync(join(SHARED_FIXTURES, 'SOURCES.md'));

if (!haveSharedFixtures && process.env.CI) {
  throw new Error(
    `shared fixtures not found at ${SHARED_FIXTURES}: CI must have ../shared beside the checkout`,
  );
}

/** `describe` that runs only when the shared fixtures are present, and says why it skipped otherwise. */
export function describeWithSharedFixtures(name: string, fn: () => void): void {
  if (haveSharedFixtures) {
    describe(name, fn);
  } else {
    console.warn(`skipping "${name}": shared fixtures not found at ${SHARED_FIXTURES}`);
    describe.skip(name, fn);
  }
}

/** `it` that runs only when the shared fixtures are present (for one test in an otherwise self-contained suite). */
export function itWithSharedFixtures(name: string, options: { timeout?: number }, fn: () => unknown): void {
  if (haveSharedFixtures) it(name, options, fn);
  else it.skip(`${name} (skipped: shared fixtures not found at ${SHARED_FIXTURES})`, options, fn);
}

/** Path of a shared fixture file, e.g. `sharedFixture('dsmr/nl_dsmr50_iskra_crc_valid.txt')`. */
export function sharedFixture(relativePath: string): string {
  return join(SHARED_FIXTURES, relativePath);
}

export function readSharedFixture(relativePath: string): Buffer {
  return readFileSync(sharedFixture(relativePath));
}

/** Lines of a `*.mqtt` fixture as `{ topic, payload }` (payload is everything after the first space). */
export function readMqttFixture(relativePath: string): Array<{ topic: string; payload: string }> {
  return readSharedFixture(relativePath)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      return { topic: line.slice(0, space), payload: line.slice(space + 1) };
    });
}
