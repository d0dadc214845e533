import { ReadingColumnsBuilder } from '../../box/store/reading-columns.ts';
import type { Store } from '../../box/store/store.ts';
import { MAX_TIMESTAMP } from '../../box/store/types.ts';
import { type LineError, LineParser, type ParsedSeries, timestampToMs } from './line-protocol.ts';
import { readRepeatLine } from './repeat-line.ts';
import { type MappedField, mapField, numericValue } from './series-mapping.ts';

/** Characters a field key escapes on the wire (and the backslash itself). */
const ESCAPABLE = /[\\, =]/;

/** New datasources one body may create; lines for more are rejected (and can be sent again). */
export const MAX_NEW_DATASOURCES = 200;

/** What one `/write` body did. */
export interface LineIngestReport {
  /** Readings stored. */
  written: number;
  /** Readings whose (datasource, ms) was stored already (first write wins). */
  duplicates: number;
  /** Fields that are not readings: strings, and Home Assistant attributes other than `value`. */
  skippedFields: number;
  /** Readings dropped because they are older than their datasource's raw retention. */
  expired: number;
  /** Datasources created by this body. */
  created: string[];
  /** Lines not stored, each with its line and column. */
  errors: LineError[];
}

/**
 * Parses a line-protocol body, maps every numeric field to its datasource (creating missing ones,
 * see `mapField`) and stores the readings of all good lines in ONE transaction, audited through
 * each datasource's ingest window. Bad lines are reported, not stored; the good ones are (as
 * InfluxDB's partial writes). Timestamps are cut to ms; a line without one gets the box's clock.
 *
 * @example
 * const report = ingestLineProtocol(store, 'W,domain=sensor,entity_id=plug value=230 1700000000', 's', 'driver:influx');
 * // report.written === 1; datasource "ha.sensor.plug" (unit W, kind power)
 */
export function ingestLineProtocol(
  store: Store,
  body: string,
  precision: string,
  actor: string,
): LineIngestReport {
  const parser = new LineParser(body);
  const errors = parser.errors;
  const report: LineIngestReport = {
    written: 0,
    duplicates: 0,
    skippedFields: 0,
    expired: 0,
    created: [],
    errors,
  };
  const now = store.now();
  // per body: (series key, field) → its batch; null = not a reading; a string = why it cannot be stored
  const targets = new Map<ParsedSeries, Map<string, Batch | string | null>>();
  const byId = new Map<string, Batch>();
  // most bodies repeat one series and field line after line: the last lookup is tried first
  let lastSeries: ParsedSeries | undefined;
  let lastKey = '';
  let lastTarget: Batch | string | null = null;
  // the fast path: after a plain one-field line, the next line that starts with the same
  // `series field=` is read by readRepeatLine (repeat-line.ts); any other line by the parser
  let repeat: { prefix: string; batch: Batch } | undefined;
  const out = { t: 0, v: 0 };
  for (;;) {
    if (repeat !== undefined && body.startsWith(repeat.prefix, parser.pos)) {
      const end = readRepeatLine(body, parser.pos + repeat.prefix.length, precision, out);
      if (end >= 0) {
        repeat.batch.readings.push(out.t, out.v);
        parser.skipLine(end);
        continue;
      }
    }
    const point = parser.next();
    if (point === undefined) break;
    repeat = undefined;
    let t = now;
    if (point.timestamp !== undefined) {
      const ms = timestampToMs(point.timestamp, precision);
      if (ms === undefined || ms > MAX_TIMESTAMP) {
        errors.push({
          line: point.line,
          column: 1,
          message: `timestamp ${point.timestamp} (precision ${precision}) is outside 1970–9999`,
        });
        continue;
      }
      t = ms;
    }
    for (const field of point.fields) {
      const v = numericValue(field.value);
      if (v === undefined) {
        report.skippedFields++;
        continue;
      }
      let target: Batch | string | null | undefined;
      if (point.series === lastSeries && field.key === lastKey) target = lastTarget;
      else {
        // the parser shares one series object per series key, so this is an identity lookup
        let bySeries = targets.get(point.series);
        if (bySeries === undefined) {
          bySeries = new Map();
          targets.set(point.series, bySeries);
        }
        target = bySeries.get(field.key);
        if (target === undefined) {
          const mapped = mapField(point.series, field.key, point.fields);
          target = mapped ? resolve(store, mapped, byId, report, actor) : null;
          bySeries.set(field.key, target);
        }
        lastSeries = point.series;
        lastKey = field.key;
        lastTarget = target;
      }
      if (target === null) report.skippedFields++;
      else if (typeof target === 'string') errors.push({ line: point.line, column: 1, message: target });
      else {
        target.readings.push(t, v);
        // a key with none of the escapable characters is sent as it is, so the prefix is its text
        if (point.fields.length === 1 && point.timestamp !== undefined && !ESCAPABLE.test(field.key))
          repeat = { prefix: `${point.seriesKey} ${field.key}=`, batch: target };
      }
    }
  }
  const batches = [...byId.values()]
    .filter((b) => b.readings.length > 0)
    .map((b) => ({ id: b.id, readings: b.readings.columns() }));
  if (batches.length > 0) {
    const results = store.writeManyColumns(batches, actor, { beforeHorizon: 'skip' });
    for (const result of results.values()) {
      report.written += result.written;
      report.duplicates += result.duplicates;
      report.expired += result.skipped ?? 0;
    }
  }
  errors.sort((a, b) => a.line - b.line);
  return report;
}

interface Batch {
  id: string;
  readings: ReadingColumnsBuilder;
}

/** The batch for a mapped field: its datasource, created when missing; why not, when it cannot take readings. */
function resolve(
  store: Store,
  mapped: MappedField,
  byId: Map<string, Batch>,
  report: LineIngestReport,
  actor: string,
): Batch | string {
  const known = byId.get(mapped.id);
  if (known) return known;
  const existing = store.catalogue.find(mapped.id);
  if (existing === undefined) {
    // a body of made-up series names must not grow the catalogue without bound
    if (report.created.length >= MAX_NEW_DATASOURCES)
      return `more than ${MAX_NEW_DATASOURCES} new datasources in one body; "${mapped.id}" was not created (send the rest again)`;
    store.createDatasource(mapped.spec, actor);
    report.created.push(mapped.id);
  } else if (existing.valueType !== 'gauge' && existing.valueType !== 'counter') {
    return `datasource "${mapped.id}" holds ${existing.valueType} values, not numeric readings; this field was not stored`;
  }
  const batch = { id: mapped.id, readings: new ReadingColumnsBuilder() };
  byId.set(mapped.id, batch);
  return batch;
}
