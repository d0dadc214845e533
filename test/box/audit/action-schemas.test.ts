import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ACTION_SCHEMAS } from '../../../box/audit/action-schemas.ts';
import { withActionTable } from '../../../box/audit/action-table.ts';
import { ACTION_PATTERN } from '../../../box/audit/audit-log.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';

/** Every `action: '…'` (or a template's fixed prefix) in the box's and drivers' sources. */
function actionsInSource(): { exact: Map<string, string>; prefixes: Map<string, string> } {
  const exact = new Map<string, string>();
  const prefixes = new Map<string, string>();
  for (const root of ['box', 'drivers', 'export-gateway']) {
    for (const file of readdirSync(join(REPO_ROOT, root), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      const source = readFileSync(join(REPO_ROOT, root, file), 'utf8');
      for (const m of source.matchAll(/\baction: '([a-z][a-z0-9_.]*)'/g)) exact.set(m[1], `${root}/${file}`);
      for (const m of source.matchAll(/\baction: `([a-z][a-z0-9_.]*)\$\{/g))
        prefixes.set(m[1], `${root}/${file}`);
    }
  }
  return { exact, prefixes };
}

describe('audit action schemas', () => {
  it('has a schema for every action the source writes, and none for actions it no longer writes', () => {
    const { exact, prefixes } = actionsInSource();
    const missing = [...exact].filter(([a]) => !ACTION_SCHEMAS[a]).map(([a, file]) => `${a} (${file})`);
    expect(missing).toEqual([]);
    for (const [prefix, file] of prefixes)
      expect(
        Object.keys(ACTION_SCHEMAS).some((a) => a.startsWith(prefix)),
        `${prefix}… in ${file}`,
      ).toBe(true);
    const stale = Object.keys(ACTION_SCHEMAS).filter(
      (a) => !exact.has(a) && ![...prefixes.keys()].some((p) => a.startsWith(p)),
    );
    expect(stale).toEqual([]);
    expect(exact.size).toBeGreaterThan(30);
  });

  it('names well-formed actions and compiles every schema', () => {
    const ajv = new Ajv2020({ strict: true, strictRequired: false });
    for (const [name, schema] of Object.entries(ACTION_SCHEMAS)) {
      expect(name).toMatch(ACTION_PATTERN);
      expect(() => ajv.compile(schema.details), name).not.toThrow();
    }
  });

  it('docs/audit.md carries the table generated from the schemas (npx tsx box/audit/action-table.ts --write)', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'audit.md'), 'utf8');
    expect(
      withActionTable(doc) === doc,
      'docs/audit.md is out of date: run npx tsx box/audit/action-table.ts --write',
    ).toBe(true);
  });
});
