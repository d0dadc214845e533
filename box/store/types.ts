/**
 * The store's public shapes. The store keeps the catalogue of datasources, numeric series with
 * rollups, event series and key-value namespaces in one SQLite file (see `docs/store.md`).
 */

/** Rollup resolutions, finest first. Buckets are aligned to the Unix epoch (UTC). */
export const RESOLUTIONS = ['1min', '5min', '15min', '30min', '1h', '1d'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];
/** A read resolution: `raw` rows or one of the rollups. */
export type ReadResolution = 'raw' | Resolution;
export const READ_RESOLUTIONS: readonly ReadResolution[] = ['raw', ...RESOLUTIONS];

export const RESOLUTION_MS: Readonly<Record<Resolution, number>> = {
  '1min': 60_000,
  '5min': 300_000,
  '15min': 900_000,
  '30min': 1_800_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

/** Aggregates a rollup read can return per bucket. `delta` is the consumption of a counter. */
export const AGGREGATES = ['mean', 'min', 'max', 'sum', 'count', 'first', 'last', 'delta'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/**
 * How a datasource's values behave:
 * - `gauge`: a numeric level (power in W, temperature);
 * - `counter`: a cumulative numeric register (energy in kWh) that may reset to zero;
 * - `event`: JSON events (a door opened, a device message);
 * - `kv`: key-value state.
 */
export const VALUE_TYPES = ['gauge', 'counter', 'event', 'kv'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** Datasource ids: lower-case, 1–64 characters, starting with a letter or digit. */
export const DATASOURCE_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Per-datasource retention: ISO 8601 durations, `null` keeps for ever. */
export interface Retention {
  /** How long raw readings are kept (e.g. `P30D`); rollups outlive them. */
  raw: string | null;
}

export interface DatasourceSpec {
  id: string;
  /** What it measures, e.g. `electricity.import.power`, `temperature`, `occupancy`. */
  kind: string;
  /** Unit of the values, e.g. `W`, `kWh`, `°C`; empty for events. */
  unit: string;
  valueType: ValueType;
  description?: string;
  vendor?: string;
  location?: string;
  /** Id of the driver instance that feeds it, if any. */
  driver?: string;
  retention?: Retention;
}

export interface Datasource extends Required<Omit<DatasourceSpec, 'retention'>> {
  retention: Retention;
  createdAt: number;
  updatedAt: number;
}

export type DatasourcePatch = Partial<Omit<DatasourceSpec, 'id' | 'valueType'>>;

/** One numeric reading: `t` in ms since the Unix epoch, `v` a finite number. */
export interface Reading {
  t: number;
  v: number;
}

/**
 * A batch of numeric readings as two columns, sorted by `t` (ties in arrival order): what the
 * writer takes. Off the V8 heap, so a batch being written is not copied by every young-generation
 * collection (bench/README.md, *Batches as columns*). `t.length === v.length`.
 */
export interface ReadingColumns {
  readonly t: Float64Array;
  readonly v: Float64Array;
}

export interface WriteResult {
  /** Readings stored. */
  written: number;
  /** Readings ignored because their timestamp was already stored (first write wins). */
  duplicates: number;
  /** Readings dropped because they were behind the retention horizon (`beforeHorizon: 'skip'`). */
  skipped?: number;
}

/** One aggregated value at a resolution: `t` is the bucket start. */
export interface AggregatePoint {
  t: number;
  v: number;
  /** Readings the bucket holds. */
  n: number;
}

export interface RangeQuery {
  /** Inclusive start, ms. */
  from: number;
  /** Exclusive end, ms. */
  to: number;
  /** At most this many rows (oldest first); default and cap set by the store. */
  limit?: number;
}

export interface AggregateQuery extends RangeQuery {
  resolution: ReadResolution;
  aggregate: Aggregate;
}

/** One event of an event series. */
export interface EventRecord {
  t: number;
  data: unknown;
}

/** Who is acting, for the audit log: `user`, `box`, `app:<id>`, `driver:<id>`, `gateway`. */
export type Actor = string;

/** Optional context for reads: when given, the read is audited with it. */
export interface ReadAudit {
  actor: Actor;
  /** Extra details recorded with the read (e.g. app run id). */
  details?: Record<string, unknown>;
}

/** Smallest and largest timestamps the store accepts: 1970-01-01 to 9999-12-31. */
export const MIN_TIMESTAMP = 0;
export const MAX_TIMESTAMP = 253_402_300_799_999;
