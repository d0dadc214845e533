#!/usr/bin/env node
// Reads vitest's JSON report and prints one line, `N passed, N failed`, as the last line of CI output.
// Exits 1 when the report is missing or unreadable, when any test failed, or when a test file failed
// to run at all (a file that throws while loading has no failed *tests*, only a failed suite).
//
// Usage: node scripts/vitest-summary.mjs [test-results/vitest.json]
import { readFileSync } from 'node:fs';

const path = process.argv[2] ?? 'test-results/vitest.json';

let report;
try {
  report = JSON.parse(readFileSync(path, 'utf8'));
} catch (error) {
  console.error(`vitest-summary: cannot read the vitest JSON report at ${path}: ${error.message}`);
  console.log('0 passed, 0 failed (no test report)');
  process.exit(1);
}

const count = (key) => (Number.isInteger(report[key]) ? report[key] : 0);
const passed = count('numPassedTests');
const failed = count('numFailedTests');
const failedFiles = count('numFailedTestSuites');
if (!Number.isInteger(report.numPassedTests) || !Number.isInteger(report.numFailedTests)) {
  console.error(`vitest-summary: ${path} has no numPassedTests/numFailedTests; is it a vitest JSON report?`);
  console.log(`${passed} passed, ${failed} failed (malformed report)`);
  process.exit(1);
}

for (const file of report.testResults ?? []) {
  if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
    console.error(`failed to run: ${file.name}${file.message ? `: ${file.message.split('\n')[0]}` : ''}`);
  }
}
if (failedFiles > 0) console.error(`${failedFiles} test suite(s) (files or describe blocks) failed`);

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || failedFiles > 0 || report.success === false ? 1 : 0);
