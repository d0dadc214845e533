import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ACTION_SCHEMAS, type JsonSchema } from './action-schemas.ts';

/** Where the generated part of `docs/audit.md` starts and ends. */
export const TABLE_START = '<!-- audit-actions:start (generated from box/audit/action-schemas.ts) -->';
export const TABLE_END = '<!-- audit-actions:end -->';

/** `a, b?` for an object schema's properties (optional ones marked), `…` when more may come. */
function keys(schema: JsonSchema): string {
  const properties = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const list = properties.map((k) => (required.has(k) ? `\`${k}\`` : `\`${k}\`?`));
  if (schema.additionalProperties !== false) list.push('…');
  return list.length ? list.join(', ') : '(none)';
}

/**
 * The Markdown of the action table and the schemas, as `docs/audit.md` carries them between
 * {@link TABLE_START} and {@link TABLE_END}.
 */
export function actionTable(): string {
  const names = Object.keys(ACTION_SCHEMAS).sort();
  const rows = names.map((name) => {
    const a = ACTION_SCHEMAS[name];
    return `| \`${name}\` | ${a.actors.map((x) => `\`${x}\``).join(', ')} | ${a.subject} | ${a.summary} | ${keys(a.details)} |`;
  });
  const schemas = Object.fromEntries(names.map((name) => [name, ACTION_SCHEMAS[name].details]));
  return [
    TABLE_START,
    '| action | actor | subject | when | details (`?` optional, `…` open) |',
    '|--------|-------|---------|------|---------|',
    ...rows,
    '',
    '<details><summary>The JSON Schema of each action’s <code>details</code></summary>',
    '',
    '```json',
    JSON.stringify(schemas, null, 1),
    '```',
    '</details>',
    TABLE_END,
  ].join('\n');
}

/** `docs/audit.md` with its generated part replaced by the current {@link actionTable}. */
export function withActionTable(doc: string): string {
  const start = doc.indexOf(TABLE_START);
  const end = doc.indexOf(TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`docs/audit.md lacks the ${TABLE_START} … ${TABLE_END} markers`);
  return doc.slice(0, start) + actionTable() + doc.slice(end + TABLE_END.length);
}

// `npx tsx box/audit/action-table.ts --write` regenerates the table in docs/audit.md
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  const path = fileURLToPath(new URL('../../docs/audit.md', import.meta.url));
  writeFileSync(path, withActionTable(readFileSync(path, 'utf8')));
}
