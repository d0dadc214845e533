import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/box-process.ts';

/**
 * A user's clone has no `../shared` beside it, and `npm test` must still pass there, with the
 * tests that read the real device captures skipped and saying why (README "Test"). This runs
 * every test file that uses the shared fixtures in a child vitest with
 * `DATABOX_SHARED_FIXTURES` pointing at a folder that does not exist and `CI` unset (in CI a
 * missing folder is an error by design), and checks that nothing fails.
 *
 * Left out: files that need Chromium (test/web/): they boot a box and a browser, which costs a
 * minute to prove again what the files here prove; their fixture reads must sit in
 * `itWithSharedFixtures`.
 */

const scratch = mkdtempSync(join(tmpdir(), 'databox-no-shared-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

interface JsonReport {
  numFailedTests: number;
  numFailedTestSuites: number;
  numPassedTests: number;
  numPendingTests: number;
  testResults: Array<{ name: string; status: string; message: string }>;
}

it('the fixture-reading test files pass without ../shared, skipping with a message', {
  timeout: 240_000,
}, () => {
  const files = testFiles(join(REPO_ROOT, 'test'))
    .filter((f) => !f.includes('/test/web/') && !f.endsWith('no-shared.test.ts'))
    .filter((f) => readFileSync(f, 'utf8').includes('helpers/shared-fixtures.ts'))
    .map((f) => relative(REPO_ROOT, f));
  expect(files.length).toBeGreaterThanOrEqual(15);
  const missing = join(scratch, 'no-such-shared', 'fixtures');
  const reportFile = join(scratch, 'report.json');
  const env: NodeJS.ProcessEnv = { ...process.env, DATABOX_SHARED_FIXTURES: missing };
  delete env.CI;
  const run = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'),
      'run',
      ...files,
      '--reporter=json',
      `--outputFile.json=${reportFile}`,
      '--reporter=dot', // prints the skip messages
      '--maxWorkers=2',
    ],
    { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 230_000 },
  );
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as JsonReport;
  const failed = report.testResults.filter((r) => r.status !== 'passed' && r.status !== 'skipped');
  expect(
    failed.map((r) => `${relative(REPO_ROOT, r.name)}: ${r.message.slice(0, 300)}`),
    run.stderr.slice(-2000),
  ).toEqual([]);
  expect(report.numFailedTestSuites).toBe(0);
  expect(report.numFailedTests).toBe(0);
  expect(run.status).toBe(0);
  // the fixture tests were collected and skipped, not silently dropped
  expect(report.numPendingTests).toBeGreaterThan(30);
  expect(report.numPassedTests).toBeGreaterThan(0);
  expect(`${run.stdout}${run.stderr}`).toContain(`shared fixtures not found at ${missing}`);
});
