import { stat } from 'node:fs/promises';
import { BadRequestError } from '../../box/errors.ts';
import type { Store } from '../../box/store/store.ts';
import { entitySeries, statisticSeries } from '../homeassistant/entity-series.ts';
import {
  iterateStates,
  iterateStatistics,
  listEntities,
  listStatistics,
  openRecorder,
  RECORDER_SCHEMA_VERSION,
  type RecorderEntity,
  schemaVersion,
} from '../homeassistant/recorder-db.ts';
import { type ImportProgress, type ImportSummary, ImportWriter } from './import-writer.ts';

export interface HomeAssistantImportOptions {
  /** Entity or statistic id globs (`*` any run, `?` one character); default every numeric entity. */
  entities?: string[];
  onProgress?: (progress: ImportProgress) => void;
}

export interface HomeAssistantImportSummary extends ImportSummary {
  /** `schema_changes`' latest version in the file (null when it has none). */
  schemaVersion: number | null;
  /** Entities whose states were imported, and statistics whose hourly rows were. */
  entities: number;
  statistics: number;
}

function globsToRegExp(globs: string[]): RegExp {
  const one = (g: string) =>
    g
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
  return new RegExp(`^(?:${globs.map(one).join('|')})$`);
}

/** Lists a few names, then how many more. */
function few(names: string[], n = 5): string {
  return names.length <= n
    ? names.join(', ')
    : `${names.slice(0, n).join(', ')} and ${names.length - n} more`;
}

/**
 * Imports the history of a Home Assistant recorder database (`home-assistant_v2.db`, schema
 * {@link RECORDER_SCHEMA_VERSION} or later; see `drivers/homeassistant/recorder-db.ts`), opened
 * read-only. Each numeric entity's states become readings of `hass.<entity_id>` at
 * `last_updated_ts`, with kind and unit from its attributes (`drivers/homeassistant/entity-series.ts`);
 * each long-term statistic becomes `hass.<statistic_id>.mean` (hourly mean at the hour's start)
 * and/or `.sum` (running total at the hour's end), which reach back further than the states
 * (the recorder purges states after 10 days by default). `unknown`/`unavailable` states are
 * counted, not stored. Writes go in batches as `driver:import`; a timestamp already stored is left
 * alone, so a re-run adds nothing.
 *
 * @throws BadRequestError when the file is not a recorder database, no entity matches the globs,
 *   or nothing numeric is in it.
 * @example
 * ```ts
 * const summary = await importHomeAssistant(store, 'home-assistant_v2.db', { entities: ['sensor.*energy*'] });
 * ```
 */
export async function importHomeAssistant(
  store: Store,
  file: string,
  options: HomeAssistantImportOptions = {},
): Promise<HomeAssistantImportSummary> {
  const { size } = await stat(file);
  const db = await openRecorder(file);
  try {
    const version = schemaVersion(db);
    const wanted = options.entities?.length ? globsToRegExp(options.entities) : null;
    const allEntities = listEntities(db);
    const allStatistics = listStatistics(db);
    const entities = allEntities.filter((e) => !wanted || wanted.test(e.entityId));
    const statistics = allStatistics.filter((s) => !wanted || wanted.test(s.statisticId));
    if (wanted && entities.length === 0 && statistics.length === 0) {
      const known = [
        ...new Set([...allEntities.map((e) => e.entityId), ...allStatistics.map((s) => s.statisticId)]),
      ];
      throw new BadRequestError(
        `no entity or statistic matches --entity ${options.entities?.join(' ')}; the database has ${known.length ? few(known, 10) : 'none'}`,
      );
    }
    const byEntityId = new Map<string, RecorderEntity>(allEntities.map((e) => [e.entityId, e]));
    const notes: string[] = [];
    if (version !== null && version < RECORDER_SCHEMA_VERSION)
      notes.push(`schema version ${version} is older than ${RECORDER_SCHEMA_VERSION}; read by column name`);
    const total = entities.reduce((n, e) => n + e.rows, 0) + statistics.reduce((n, s) => n + s.rows, 0);
    const writer = new ImportWriter(store, options.onProgress, size);
    let done = 0;
    const tick = () => {
      if (++done % 4096 === 0) writer.bytesRead = Math.round((done / total) * size);
    };
    const skipped: string[] = [];
    let unusable = 0;
    let imported = 0;
    for (const entity of entities) {
      const series = entitySeries(entity);
      if ('skip' in series) {
        skipped.push(entity.entityId);
        done += entity.rows;
        continue;
      }
      if (series.warning) notes.push(series.warning);
      imported++;
      for (const [state, ts] of iterateStates(db, entity.metadataId)) {
        tick();
        const v = state === null ? undefined : series.value(state);
        if (v === undefined || ts === null || !Number.isFinite(v)) unusable++;
        else writer.add(series.spec, { t: Math.round(ts * 1000), v });
      }
    }
    let statisticsImported = 0;
    for (const statistic of statistics) {
      const series = statisticSeries(statistic, byEntityId.get(statistic.statisticId));
      if (!series.mean && !series.sum) {
        done += statistic.rows;
        continue;
      }
      statisticsImported++;
      for (const [start, mean, sum] of iterateStatistics(db, statistic.id)) {
        tick();
        if (start === null) continue;
        const t = Math.round(start * 1000);
        if (series.mean && mean !== null) writer.add(series.mean, { t, v: series.convert(mean) });
        if (series.sum && sum !== null) writer.add(series.sum, { t: t + 3_600_000, v: series.convert(sum) });
      }
    }
    writer.bytesRead = size;
    writer.flush();
    if (skipped.length > 0)
      notes.push(`${skipped.length} entities without a unit or numeric class left out: ${few(skipped)}`);
    if (unusable > 0)
      notes.push(`${unusable} states were not numbers (unknown, unavailable, text) and were not stored`);
    const totals = writer.totals();
    if (totals.readings === 0) {
      throw new BadRequestError(
        `${file}: nothing to import: ${entities.length} entities and ${statistics.length} statistics, none with numeric history${skipped.length ? ` (${few(skipped)} have no unit)` : ''}`,
      );
    }
    return {
      datasources: writer.datasources,
      ...totals,
      errors: [],
      notes,
      schemaVersion: version,
      entities: imported,
      statistics: statisticsImported,
    };
  } finally {
    db.close();
  }
}
