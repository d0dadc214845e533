import type { Writable } from 'node:stream';
import type { AuditLog } from './audit-log.ts';
import { canonicalJson } from './canonical.ts';
import type { AuditEntry, AuditFilter } from './types.ts';

export { type AuditFileVerifyResult, verifyAuditJsonl } from './verify-jsonl.ts';

export type AuditExportFormat = 'jsonl' | 'csv';

/** Column order of both formats; a JSON Lines row has exactly these keys, in this order. */
export const AUDIT_EXPORT_FIELDS = [
  'seq',
  'ts',
  'actor',
  'action',
  'subject',
  'details',
  'prevHash',
  'hash',
] as const;

// Lines are gathered into chunks of about this many characters per write() call.
const CHUNK_CHARS = 64 * 1024;

/**
 * Writes the entries matching `filter` to `out` as JSON Lines or CSV and resolves with how many
 * were written. Honours back-pressure (waits for `drain`) and does not end `out`. Export in
 * ascending order (the default) if the file is to be verified.
 *
 * JSONL: one object per line, `\n`-terminated, keys in {@link AUDIT_EXPORT_FIELDS} order,
 * `details` in canonical JSON. CSV (RFC 4180): a header row, CRLF line ends, fields quoted when
 * they contain `"`, `,`, CR or LF, `details` as canonical JSON in one column.
 *
 * @example
 * const out = createWriteStream('audit.jsonl');
 * const count = await writeAuditExport(audit, { action: 'readings.*' }, 'jsonl', out);
 * out.end();
 */
export async function writeAuditExport(
  log: AuditLog,
  filter: AuditFilter,
  format: AuditExportFormat,
  out: Writable,
): Promise<number> {
  const line = format === 'csv' ? csvLine : jsonlLine;
  let chunk = format === 'csv' ? `${AUDIT_EXPORT_FIELDS.join(',')}\r\n` : '';
  let count = 0;
  for (const entry of log.iterate(filter)) {
    chunk += line(entry);
    count++;
    if (chunk.length >= CHUNK_CHARS) {
      await write(out, chunk);
      chunk = '';
    }
  }
  if (chunk !== '') await write(out, chunk);
  return count;
}

/** One JSON Lines row (with its `\n`). */
export function jsonlLine(e: AuditEntry): string {
  const details = canonicalJson(e.details, 'details');
  return `{"seq":${e.seq},"ts":${e.ts},"actor":${JSON.stringify(e.actor)},"action":${JSON.stringify(e.action)},"subject":${JSON.stringify(e.subject)},"details":${details},"prevHash":${JSON.stringify(e.prevHash)},"hash":${JSON.stringify(e.hash)}}\n`;
}

/** One CSV record (with its CRLF). */
export function csvLine(e: AuditEntry): string {
  const fields = [
    String(e.seq),
    String(e.ts),
    e.actor,
    e.action,
    e.subject,
    canonicalJson(e.details, 'details'),
    e.prevHash,
    e.hash,
  ];
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** RFC 4180: quote when the field holds a quote, comma, CR or LF; double inner quotes. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function write(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed || out.writableEnded) {
    return Promise.reject(new Error('the audit export stream was closed before the export finished'));
  }
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (error: Error) => done(error);
    const onClose = () => done(new Error('the audit export stream was closed before the export finished'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}
