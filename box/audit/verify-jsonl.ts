import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { canonicalJson, GENESIS_HASH } from './canonical.ts';
import { type ChainLink, entryProblem, isHash } from './chain.ts';
import { canonicalDifference } from './strict-line.ts';

/**
 * What a JSON Lines export proves:
 * - `full`: it starts at seq 1 with the genesis prev_hash and every row links to the one before:
 *   the whole chain up to `head`. Entries after `head` would not show; compare `head.hash` with
 *   the head you noted from `databox audit verify`.
 * - `slice`: contiguous rows from seq k > 1 that link to each other; they hang off `first.prevHash`
 *   (the hash of seq k − 1), which only the box's own chain can confirm.
 * - `filtered`: seq has gaps (a filtered export). Each row matches its own hash and rows with
 *   consecutive seq link, but nothing shows that rows were not left out or that rows on either
 *   side of a gap belong to the same chain.
 * - `empty`: no rows.
 */
export type AuditFileVerifyResult =
  | {
      ok: true;
      count: number;
      coverage: 'full' | 'slice' | 'filtered' | 'empty';
      first: { seq: number; prevHash: string } | null;
      head: ChainLink | null;
      /** How many times seq jumps by more than one. */
      gaps: number;
      /** One sentence on what was and was not proven. */
      summary: string;
    }
  | {
      ok: false;
      /** Rows that verified before the failure. */
      count: number;
      /** 1-based line number in the file. */
      line: number;
      /** seq of the failing row, when it could be read. */
      brokenAt: number | null;
      reason: string;
    };

const FIELDS = new Set(['seq', 'ts', 'actor', 'action', 'subject', 'details', 'prevHash', 'hash']);

/**
 * Verifies a JSON Lines audit export offline (a file path or a stream), without the box's database.
 * Rows must be in ascending seq order and each line byte-for-byte the line the box writes for
 * its entry (no duplicate keys, canonical numbers, no spaces). With `expectFull`, any missing
 * entry (a gap, or a first row after seq 1) fails, naming the missing seqs.
 *
 * @example
 * const result = await verifyAuditJsonl('audit.jsonl');
 * if (!result.ok) console.error(`line ${result.line} (seq ${result.brokenAt}): ${result.reason}`);
 */
export async function verifyAuditJsonl(
  input: Readable | string,
  options: { expectFull?: boolean } = {},
): Promise<AuditFileVerifyResult> {
  const stream = typeof input === 'string' ? createReadStream(input, { encoding: 'utf8' }) : input;
  const lines = lfLines(stream);
  let lineNo = 0;
  let count = 0;
  let gaps = 0;
  let first: { seq: number; prevHash: string } | null = null;
  let previous: ChainLink | null = null;
  const fail = (reason: string, brokenAt: number | null = null): AuditFileVerifyResult => {
    if (typeof input === 'string') stream.destroy();
    return { ok: false, count, line: lineNo, brokenAt, reason };
  };
  for await (const text of lines) {
    lineNo++;
    if (text === '') return fail('an empty line (each line must be one entry)');
    if (text.includes('\r'))
      return fail(
        'the line holds a carriage return (CRLF line end?): not in canonical form, lines end with LF only',
      );
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(text);
    } catch {
      return fail('the line is not valid JSON');
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      return fail('the line is not a JSON object');
    const seq = Number.isSafeInteger(row.seq) ? (row.seq as number) : null;
    const extra = Object.keys(row).find((key) => !FIELDS.has(key));
    if (extra !== undefined)
      return fail(`unexpected field ${JSON.stringify(extra)} (not covered by the hash)`, seq);
    const { details } = row;
    if (typeof details !== 'object' || details === null || Array.isArray(details)) {
      return fail('details is not a JSON object', seq);
    }
    let detailsJson: string;
    try {
      detailsJson = canonicalJson(details, 'details');
    } catch (error) {
      return fail((error as Error).message, seq);
    }
    const problem = entryProblem({ ...row, detailsJson } as Parameters<typeof entryProblem>[0]);
    if (problem) return fail(problem, seq);
    // byte-exact: the line must be the one the box writes for this entry
    const canonical = canonicalLine(row, detailsJson);
    if (canonical !== text) return fail(canonicalDifference(text, canonical), seq);
    const prevHash = row.prevHash as string;
    const entrySeq = row.seq as number;
    if (previous === null) {
      if (!isHash(prevHash)) return fail('prevHash is not 64 lower-case hex digits', entrySeq);
      first = { seq: entrySeq, prevHash };
      if (options.expectFull && entrySeq !== 1)
        return fail(`the file starts at seq ${entrySeq}: entries 1..${entrySeq - 1} are missing`, entrySeq);
      if (entrySeq === 1 && prevHash !== GENESIS_HASH)
        return fail('prev_hash of seq 1 is not the genesis hash', 1);
    } else if (entrySeq <= previous.seq) {
      return fail(
        `seq ${entrySeq} follows seq ${previous.seq}: rows must be in ascending seq order`,
        entrySeq,
      );
    } else if (entrySeq === previous.seq + 1) {
      if (prevHash !== previous.hash) {
        return fail(`prev_hash does not link: seq ${previous.seq} has hash ${previous.hash}`, entrySeq);
      }
    } else {
      if (options.expectFull)
        return fail(
          `seq ${entrySeq} follows seq ${previous.seq}: entries ${previous.seq + 1}..${entrySeq - 1} are missing`,
          entrySeq,
        );
      gaps++;
    }
    previous = { seq: entrySeq, hash: row.hash as string };
    count++;
  }
  return { ok: true, count, first, head: previous, gaps, ...describe(count, first, previous, gaps) };
}

function canonicalLine(row: Record<string, unknown>, details: string): string {
  const str = JSON.stringify;
  return `{"seq":${row.seq},"ts":${row.ts},"actor":${str(row.actor)},"action":${str(row.action)},"subject":${str(row.subject)},"details":${details},"prevHash":${str(row.prevHash)},"hash":${str(row.hash)}}`;
}

function describe(
  count: number,
  first: { seq: number; prevHash: string } | null,
  head: ChainLink | null,
  gaps: number,
): { coverage: 'full' | 'slice' | 'filtered' | 'empty'; summary: string } {
  if (!first || !head) return { coverage: 'empty', summary: 'the file has no entries' };
  if (gaps > 0) {
    return {
      coverage: 'filtered',
      summary: `${count} entries each match their hash, but seq jumps ${gaps} time(s): a filtered export cannot show that no entry was left out`,
    };
  }
  if (first.seq === 1) {
    return {
      coverage: 'full',
      summary: `${count} entries chain from genesis to seq ${head.seq} (hash ${head.hash}); compare this head with the one you noted to rule out a truncated tail`,
    };
  }
  return {
    coverage: 'slice',
    summary: `${count} entries seq ${first.seq}..${head.seq} chain to each other; they rest on prev_hash ${first.prevHash} of seq ${first.seq - 1}, which only the box can confirm`,
  };
}

/**
 * The lines of `stream` split at LF only, as the export writes them: readline would also end a
 * line at a lone CR and drop the CR of CRLF, so a file whose bytes differ from the export would
 * verify. A last line without its LF is still yielded.
 */
async function* lfLines(stream: Readable): AsyncGenerator<string> {
  let rest = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    yield* parts;
  }
  if (rest !== '') yield rest;
}
