import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { BadRequestError } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import type { Datasource } from '../../store/types.ts';
import type { Progress } from '../progress.ts';

const BATCH = 1000;

function parseLine(text: string, line: number): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (error) {
    throw new BadRequestError(`line ${line}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new BadRequestError(`line ${line}: expected a JSON object`);
  return json as Record<string, unknown>;
}

function parseTime(value: unknown, line: number): number {
  const ms = typeof value === 'string' && !/^\d+$/.test(value.trim()) ? Date.parse(value) : Number(value);
  if (typeof value === 'boolean' || value === null || !Number.isSafeInteger(ms))
    throw new BadRequestError(
      `line ${line}: "t" must be ms since 1970 or ISO 8601, got ${JSON.stringify(value)}`,
    );
  return ms;
}

/**
 * `databox write` for event and kv datasources: JSON Lines, `{"t": ms or ISO 8601, "data": any JSON}`
 * per event, or `{"key": "…", "value": any JSON}` per kv entry. Events go in batches of 1000 (each
 * batch audited as `events.write`; a bad line stops with its number and the batches before it stay
 * stored); kv entries are set one by one (each audited as `kv.set`, never with its value). Both
 * move the datasource's ingest revision, so `on-new-data` apps of the running box see the write.
 *
 * @example
 * await writeRecords(store, source, process.stdin, progress); // { written: 3, unit: 'events' }
 */
export async function writeRecords(
  store: Store,
  source: Datasource,
  input: Readable,
  progress: Progress,
): Promise<{ written: number; unit: string }> {
  const isEvents = source.valueType === 'event';
  const unit = isEvents ? 'events' : 'kv entries';
  let written = 0;
  let batch: Array<{ t: number; data: unknown }> = [];
  const flush = () => {
    if (batch.length === 0) return;
    written += store.writeEvents(source.id, batch, 'user');
    batch = [];
    progress.update(`${written.toLocaleString('en')} ${unit} stored`);
  };
  let line = 0;
  try {
    for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      line++;
      const json = parseLine(text, line);
      if (!json) continue;
      if (isEvents) {
        if (!('data' in json))
          throw new BadRequestError(`line ${line}: an event needs "data" (any JSON value)`);
        batch.push({ t: parseTime(json.t, line), data: json.data });
        if (batch.length >= BATCH) flush();
      } else {
        if (typeof json.key !== 'string' || json.key.length === 0)
          throw new BadRequestError(`line ${line}: a kv entry needs "key" (a non-empty string)`);
        if (!('value' in json))
          throw new BadRequestError(`line ${line}: a kv entry needs "value" (any JSON value)`);
        store.setState(source.id, json.key, json.value, 'user');
        written++;
      }
    }
    flush();
  } catch (error) {
    if (written > 0)
      console.error(`(${written} ${unit} from before line ${line} were stored before the error)`);
    throw error;
  }
  return { written, unit };
}
