import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/box-process.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const MODULE = join(ROOT, 'box/ops/background-priority.ts');

/** Runs `code` in a fresh node (so the test's own priority is not touched); its stdout, parsed. */
function inChild(code: string): unknown {
  const out = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import * as m from ${JSON.stringify(MODULE)}; import os from 'node:os'; ${code}`,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  expect(out.status, out.stderr).toBe(0);
  return JSON.parse(out.stdout);
}

describe('background priority', () => {
  it('lowers a process at nice 0 to nice 10', () => {
    expect(
      inChild(
        'const before = os.getPriority(); const after = m.lowerPriority(); console.log(JSON.stringify([before, after, os.getPriority()]));',
      ),
    ).toEqual([0, 10, 10]);
  });

  it('never raises a process that is already nicer', () => {
    expect(
      inChild('os.setPriority(15); console.log(JSON.stringify([m.lowerPriority(), os.getPriority()]));'),
    ).toEqual([15, 15]);
  });

  it('databox check and databox backup say in --help that they run at nice 10', () => {
    for (const command of ['check', 'backup']) {
      const out = runCli([command, '--help']);
      expect(out.stdout + out.stderr).toMatch(/lower CPU priority \(nice 10\)/);
    }
  });
});
