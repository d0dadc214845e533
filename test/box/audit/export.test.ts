import { spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../box/audit/audit-log.ts';
import { csvField, verifyAuditJsonl, writeAuditExport } from '../../../box/audit/export.ts';
import type { AuditFilter } from '../../../box/audit/types.ts';
import { tempDatabase } from './temp-db.ts';

let temp: ReturnType<typeof tempDatabase>;
let log: AuditLog;

// Details that stress canonical JSON across languages: key order, escapes, non-ASCII, numbers.
const TRICKY = {
  '\uffff': 'last by UTF-16',
  '\u{1F600}': 'before \uffff in UTF-16',
  quote: 'say "hi", then leave\n\ttab\u0001\u007f\u2028 ümlaut €',
  numbers: [0, -1, 1.5, 0.1, 1e-7, 0.00001, 1e21, 123456789012345, -2.5e-10, 1.7976931348623157e308],
  nested: { z: [{ b: null, a: false }], a: true },
};

beforeEach(() => {
  temp = tempDatabase();
  let now = 1_700_000_000_000;
  log = new AuditLog(temp.db, () => now++);
  log.append({ actor: 'box', action: 'box.start', details: { version: '0.1.0' } });
  for (let i = 0; i < 30; i++) {
    log.append({
      actor: 'driver:p1',
      action: 'readings.write',
      subject: 'meter.power',
      details: { rows: i },
    });
    if (i % 3 === 0)
      log.append({ actor: 'app:coach', action: 'readings.read', subject: 'meter,"x"', details: TRICKY });
  }
  log.append({
    actor: 'user',
    action: 'config.change',
    subject: 'http.port',
    details: { old: 8080, new: 8081 },
  });
});
afterEach(() => temp.cleanup());

async function exportToFile(filter: AuditFilter, format: 'jsonl' | 'csv', name = `audit.${format}`) {
  const path = join(temp.dir, name);
  const out = createWriteStream(path);
  const count = await writeAuditExport(log, filter, format, out);
  out.end();
  await finished(out);
  return { path, count, text: readFileSync(path, 'utf8') };
}

/** A minimal RFC 4180 reader, written from the RFC, to check the writer independently. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i++;
      while (i < text.length) {
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
    } else if (text[i] === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (text[i] === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else field += text[i++];
  }
  expect(field).toBe('');
  return records;
}

describe('writeAuditExport', () => {
  it('writes JSON Lines with exactly the entry fields, in order, that parse back to the entries', async () => {
    const { count, text } = await exportToFile({}, 'jsonl');
    const entries = log.query();
    expect(count).toBe(entries.length);
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual(entries);
    expect(Object.keys(JSON.parse(lines[0]))).toEqual([
      'seq',
      'ts',
      'actor',
      'action',
      'subject',
      'details',
      'prevHash',
      'hash',
    ]);
  });

  it('writes RFC 4180 CSV with a header and details as canonical JSON in one column', async () => {
    const { count, text } = await exportToFile({ action: 'readings.read' }, 'csv');
    expect(count).toBe(10);
    expect(text.startsWith('seq,ts,actor,action,subject,details,prevHash,hash\r\n')).toBe(true);
    const [header, ...rows] = parseCsv(text);
    expect(header).toHaveLength(8);
    const entries = log.query({ action: 'readings.read' });
    expect(rows).toHaveLength(entries.length);
    for (const [k, row] of rows.entries()) {
      const e = entries[k];
      expect(row).toEqual([
        String(e.seq),
        String(e.ts),
        e.actor,
        e.action,
        e.subject,
        row[5],
        e.prevHash,
        e.hash,
      ]);
      expect(JSON.parse(row[5])).toEqual(TRICKY);
      expect(row[5]).toBe(temp.db.prepare('SELECT details FROM audit WHERE seq = ?').pluck().get(e.seq));
    }
  });

  it('quotes CSV fields per RFC 4180', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
  });

  it('waits for drain when the destination is slow, and loses nothing', async () => {
    for (let i = 0; i < 3000; i++)
      log.append({ actor: 'box', action: 'retention.apply', details: { pad: 'x'.repeat(50), i } });
    const chunks: string[] = [];
    let refused = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk, _enc, callback) {
        chunks.push(String(chunk));
        setTimeout(callback, 1);
      },
    });
    const write = slow.write.bind(slow);
    slow.write = ((chunk: string) => {
      const accepted = write(chunk);
      if (!accepted) refused++;
      return accepted;
    }) as typeof slow.write;
    const count = await writeAuditExport(log, {}, 'jsonl', slow);
    await new Promise<void>((resolve) => slow.end(resolve));
    expect(refused).toBeGreaterThan(0);
    expect(count).toBe(log.head().seq);
    expect(chunks.join('').split('\n').length - 1).toBe(count);
  });

  it('rejects when the destination fails', async () => {
    const broken = new Writable({
      highWaterMark: 1,
      write(_chunk, _enc, callback) {
        callback(new Error('disk full'));
      },
    });
    broken.on('error', () => {});
    for (let i = 0; i < 2000; i++) log.append({ actor: 'box', action: 'retention.apply', details: { i } });
    await expect(writeAuditExport(log, {}, 'jsonl', broken)).rejects.toThrow(/disk full|closed/);
  });
});

describe('verifyAuditJsonl', () => {
  it('verifies a full export from genesis and reports the head', async () => {
    const { path, count } = await exportToFile({}, 'jsonl');
    const result = await verifyAuditJsonl(path);
    expect(result).toMatchObject({ ok: true, count, coverage: 'full', gaps: 0, head: log.head() });
  });

  it('verifies a contiguous slice given the prev hash of its first row', async () => {
    const { path } = await exportToFile({ afterSeq: 5 }, 'jsonl');
    const result = await verifyAuditJsonl(path);
    const seq5 = log.query({ afterSeq: 4, limit: 1 })[0];
    expect(result).toMatchObject({ ok: true, coverage: 'slice', first: { seq: 6, prevHash: seq5.hash } });
  });

  it('says a filtered export cannot prove completeness', async () => {
    const { path, count } = await exportToFile({ action: 'readings.read' }, 'jsonl');
    const result = await verifyAuditJsonl(path);
    expect(result).toMatchObject({ ok: true, count, coverage: 'filtered', gaps: 9 });
    expect(result.ok && result.summary).toMatch(/cannot show that no entry was left out/);
  });

  it('names the line and seq of a tampered row', async () => {
    const { path, text } = await exportToFile({}, 'jsonl');
    const lines = text.split('\n');
    lines[3] = lines[3].replace(/"rows":\d+/, '"rows":99');
    expect(lines[3]).toContain('"rows":99');
    writeFileSync(path, lines.join('\n'));
    const result = await verifyAuditJsonl(path);
    expect(result).toMatchObject({
      ok: false,
      line: 4,
      brokenAt: 4,
      count: 3,
      reason: expect.stringMatching(/hash mismatch/),
    });
  });

  it('reports a deleted line as a gap (not full), and reordered or garbled lines as failures', async () => {
    const { text } = await exportToFile({}, 'jsonl');
    const lines = text.trimEnd().split('\n');
    const without = lines.filter((_, i) => i !== 7).join('\n');
    expect(await verifyAuditJsonl(Readable.from([without]))).toMatchObject({
      ok: true,
      coverage: 'filtered',
      gaps: 1,
    });
    const swapped = [lines[0], lines[2], lines[1], ...lines.slice(3)].join('\n');
    expect(await verifyAuditJsonl(Readable.from([swapped]))).toMatchObject({
      ok: false,
      line: 3,
      brokenAt: 2,
    });
    const garbled = [lines[0], '{"seq":', ...lines.slice(1)].join('\n');
    expect(await verifyAuditJsonl(Readable.from([garbled]))).toMatchObject({
      ok: false,
      line: 2,
      brokenAt: null,
    });
    const extra = lines[0].replace('{"seq":1,', '{"seq":1,"note":"added",');
    expect(await verifyAuditJsonl(Readable.from([extra]))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/note/),
    });
  });
});

// The Python verifier printed in docs/audit.md must agree with the box on real exports.
// In CI python3 is required (the independent check): there a missing one fails, not skips.
const python = spawnSync('python3', ['--version']).status === 0;
if (!python && !process.env.CI) console.warn('skipping the Python verifier tests: no python3 on PATH');
describe.runIf(python || process.env.CI)('the Python verifier in docs/audit.md', () => {
  function pythonVerifier(): string {
    const doc = readFileSync(new URL('../../../docs/audit.md', import.meta.url), 'utf8');
    const block =
      /<!-- python-verifier:start -->\n```python\n([\s\S]*?)```\n<!-- python-verifier:end -->/.exec(doc);
    expect(block).not.toBeNull();
    const path = join(temp.dir, 'verify.py');
    writeFileSync(path, block![1]);
    return path;
  }
  const run = (script: string, file: string) => spawnSync('python3', [script, file], { encoding: 'utf8' });

  it('is at most about 15 lines of code', () => {
    const lines = readFileSync(pythonVerifier(), 'utf8').trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(20);
  });

  it('accepts a full export (tricky details included) and prints the same head', async () => {
    const { path, count } = await exportToFile({}, 'jsonl');
    const result = run(pythonVerifier(), path);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const head = log.head();
    expect(result.stdout.trim()).toBe(`ok: ${count} entries, 0 gaps, head seq ${head.seq} hash ${head.hash}`);
  });

  it('counts the gaps of a filtered export', async () => {
    const { path } = await exportToFile({ actor: 'app:coach' }, 'jsonl');
    const result = run(pythonVerifier(), path);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ok: 10 entries, 9 gaps/);
  });

  it('rejects a tampered export naming the seq', async () => {
    const { path, text } = await exportToFile({}, 'jsonl');
    writeFileSync(path, text.replace('"new":8081', '"new":8082'));
    const result = run(pythonVerifier(), path);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`seq ${log.head().seq}: hash mismatch`);
  });

  it('rejects a deleted middle line only as a gap, like the box', async () => {
    const { path, text } = await exportToFile({}, 'jsonl');
    const lines = text.split('\n');
    lines.splice(5, 1);
    writeFileSync(path, lines.join('\n'));
    const result = run(pythonVerifier(), path);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/, 1 gaps,/);
  });
});
