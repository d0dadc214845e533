import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyAuditJsonl } from '../../../box/audit/verify-jsonl.ts';

const DIR = join(import.meta.dirname, '../../fixtures/audit-vectors');
const PY = join(import.meta.dirname, '../../../docs/verify_audit.py');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<
  string,
  { line: number | null; full: number | null; reason: string }
>;
const vectors = Object.keys(expected).filter((k) => !k.startsWith('_'));

function python(...args: string[]) {
  const run = spawnSync('python3', [PY, ...args], { encoding: 'utf8' });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

describe('shared audit test vectors', () => {
  it.each(vectors)('%s: the box and the docs Python verifier agree', async (name) => {
    const file = join(DIR, `${name}.jsonl`);
    const want = expected[name];
    for (const [full, line] of [
      [false, want.line],
      [true, want.full],
    ] as const) {
      const box = await verifyAuditJsonl(file, { expectFull: full });
      const py = python(file, ...(full ? ['--expect-full'] : []));
      if (line === null) {
        expect(box.ok, JSON.stringify(box)).toBe(true);
        expect(py.status, py.out).toBe(0);
      } else {
        expect(box).toMatchObject({ ok: false, line });
        expect(py.status, py.out).toBe(1);
        expect(py.out).toContain(`line ${line}:`);
        if (!box.ok) expect(`${box.reason} | ${py.out}`).toMatch(new RegExp(want.reason));
      }
    }
  });
});
