import { z } from 'zod';
import { appError } from '../arbiter/app-error.ts';
import { BadRequestError, type DataboxError, issuesToDetails } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { AppRegistry } from './app-registry.ts';

/**
 * What one app may store and do, whatever its manifest says: its kv (bytes, keys, bytes per value),
 * its insights (bytes per insight, bytes kept in all: past it the oldest are trimmed), scheduled
 * runs per hour, and how many export refusals of one run are audited one by one (the rest are
 * counted in one `export.refuse.summary` entry at the end of the run).
 */
export const quotaLimitsSchema = z.strictObject({
  kvBytes: z
    .int()
    .min(1024)
    .max(1024 ** 3)
    .default(1_000_000),
  kvKeys: z.int().min(1).max(1_000_000).default(1000),
  kvValueBytes: z
    .int()
    .min(64)
    .max(256 * 1024)
    .default(64_000),
  insightBytes: z
    .int()
    .min(256)
    .max(1024 ** 2)
    .default(64_000),
  insightsTotalBytes: z
    .int()
    .min(64 * 1024)
    .max(1024 ** 3)
    .default(10_000_000),
  runsPerHour: z.int().min(1).max(3600).default(60),
  exportRefusalsAudited: z.int().min(0).max(10_000).default(20),
});

export type QuotaLimits = z.infer<typeof quotaLimitsSchema>;
export type QuotaName = keyof QuotaLimits;
export const QUOTA_NAMES = Object.keys(quotaLimitsSchema.shape) as QuotaName[];
export const QUOTA_DEFAULTS: QuotaLimits = quotaLimitsSchema.parse({});

/** kv namespace of the householder's per-app quota overrides (key = app id). */
export const QUOTAS_KV = 'quotas';

/** What the app uses now, beside its limits (for `databox app show` and the app page). */
export interface QuotaUsage {
  kvBytes: number;
  kvKeys: number;
  insightsTotalBytes: number;
  runsLastHour: number;
}

const overridesSchema = quotaLimitsSchema.partial();

/**
 * The limits of one app: the built-in defaults, then `apps.quotas` of config.json (as the box
 * recorded it at its last start, so the CLI sees the same), then the householder's overrides.
 *
 * @example
 * quotasFor(store, 'energy-insights').kvKeys; // 1000 unless changed
 */
export function quotasFor(store: Store, appId: string): QuotaLimits {
  const config = store.kv.get('box', 'config') as { apps?: { quotas?: unknown } } | undefined;
  const configured = overridesSchema.safeParse(config?.apps?.quotas ?? {});
  const own = overridesSchema.safeParse(store.kv.get(QUOTAS_KV, appId) ?? {});
  return {
    ...QUOTA_DEFAULTS,
    ...(configured.success ? configured.data : {}),
    ...(own.success ? own.data : {}),
  };
}

/**
 * Sets some of the app's limits (`null` returns one to the default); audited `app.quota` by the
 * user with the old and new overrides. Bad values are refused with every problem listed.
 *
 * @example
 * setQuotas(store, 'energy-insights', { kvBytes: 5_000_000, runsPerHour: null });
 */
export function setQuotas(
  store: Store,
  appId: string,
  changes: Partial<Record<QuotaName, number | null>>,
): QuotaLimits {
  const before = (store.kv.get(QUOTAS_KV, appId) ?? {}) as Record<string, number>;
  const next: Record<string, number> = { ...before };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete next[name];
    else next[name] = value as number;
  }
  const parsed = overridesSchema.safeParse(next);
  if (!parsed.success) {
    const details = issuesToDetails(parsed.error.issues, 'quotas');
    throw new BadRequestError(`invalid quotas: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, {
      details,
    });
  }
  store.transaction(() => {
    store.kv.set(QUOTAS_KV, appId, parsed.data, store.now());
    store.audit.append({
      actor: 'user',
      action: 'app.quota',
      subject: appId,
      details: { from: before, to: parsed.data },
    });
  });
  return quotasFor(store, appId);
}

/** The app's current use of each storage and run quota. */
export function quotaUsage(store: Store, registry: AppRegistry, appId: string): QuotaUsage {
  const kv = store.kv.usage(`app:${appId}`);
  return {
    kvBytes: kv.bytes,
    kvKeys: kv.keys,
    insightsTotalBytes: registry.insightBytes(appId),
    runsLastHour: registry.countRunsSince(appId, store.now() - HOUR_MS),
  };
}

export const HOUR_MS = 3_600_000;

/** Bytes an insight row counts for (title, summary, unit, data JSON, and 16 for the rest). */
export const INSIGHT_BYTES_SQL =
  'SUM(length(CAST(title AS BLOB)) + IFNULL(length(CAST(summary AS BLOB)), 0) + IFNULL(length(CAST(unit AS BLOB)), 0) + IFNULL(length(CAST(data AS BLOB)), 0) + 16)';

/** The same measure for an insight about to be stored (its data as the JSON text that is stored). */
export function insightBytes(i: {
  title: string;
  summary: string | null;
  unit: string | null;
  data: unknown;
}): number {
  const data = i.data === undefined ? '' : (JSON.stringify(i.data) ?? '');
  return (
    Buffer.byteLength(i.title) +
    Buffer.byteLength(i.summary ?? '') +
    Buffer.byteLength(i.unit ?? '') +
    Buffer.byteLength(data) +
    16
  );
}

/** The app API error for a full quota: names the quota, its size and what was asked. */
export function quotaError(name: QuotaName, limit: number, what: string): DataboxError {
  const unit = name === 'kvKeys' ? 'keys' : 'bytes';
  return appError(
    'quota_exceeded',
    `${what}: over the app's ${name} quota of ${limit} ${unit} (the householder can raise it: databox app quota <id> --set ${name}=N)`,
  );
}

/**
 * Checks an app's `kv.set` against its kv quotas (call inside the transaction that writes it).
 *
 * @example
 * checkKvSet(store, limits, 'app:x', 'state', JSON.stringify(value)); // throws quota_exceeded
 */
export function checkKvSet(store: Store, limits: QuotaLimits, ns: string, key: string, json: string): void {
  const bytes = Buffer.byteLength(key) + Buffer.byteLength(json);
  if (Buffer.byteLength(json) > limits.kvValueBytes)
    throw quotaError(
      'kvValueBytes',
      limits.kvValueBytes,
      `kv value for "${key}" is ${Buffer.byteLength(json)} bytes`,
    );
  const usage = store.kv.usage(ns);
  const old = store.kv.entryBytes(ns, key);
  if (old === undefined && usage.keys + 1 > limits.kvKeys)
    throw quotaError('kvKeys', limits.kvKeys, `kv key "${key}" would be key ${usage.keys + 1}`);
  const total = usage.bytes - (old ?? 0) + bytes;
  if (total > limits.kvBytes)
    throw quotaError('kvBytes', limits.kvBytes, `kv.set of "${key}" would make the app's kv ${total} bytes`);
}

/** One line of the householder's view: a quota, what the app uses of it now, its limit. */
export interface QuotaLine {
  name: QuotaName;
  /** What the app uses now (`null` for limits that are per call or per run). */
  used: number | null;
  limit: number;
  unit: string;
  /** True when the householder set it for this app (else config.json or the default). */
  custom: boolean;
}

const UNITS: Record<QuotaName, string> = {
  kvBytes: 'bytes',
  kvKeys: 'keys',
  kvValueBytes: 'bytes per value',
  insightBytes: 'bytes per insight',
  insightsTotalBytes: 'bytes kept (oldest trimmed)',
  runsPerHour: 'scheduled runs per hour',
  exportRefusalsAudited: 'refusals audited per run (then one summary)',
};

/**
 * Usage against quota for `databox app show`/`quota` and the app page.
 *
 * @example
 * quotaReport(store, registry, 'energy-insights')[0]; // { name: 'kvBytes', used: 120, limit: 1000000, … }
 */
export function quotaReport(store: Store, registry: AppRegistry, appId: string): QuotaLine[] {
  const limits = quotasFor(store, appId);
  const usage = quotaUsage(store, registry, appId);
  const own = (store.kv.get(QUOTAS_KV, appId) ?? {}) as Record<string, unknown>;
  const used: Partial<Record<QuotaName, number>> = {
    kvBytes: usage.kvBytes,
    kvKeys: usage.kvKeys,
    insightsTotalBytes: usage.insightsTotalBytes,
    runsPerHour: usage.runsLastHour,
  };
  return QUOTA_NAMES.map((name) => ({
    name,
    used: used[name] ?? null,
    limit: limits[name],
    unit: UNITS[name],
    custom: name in own,
  }));
}

/** Applies `NAME=N` / `NAME=default` flags (the CLI's `--set`), naming any bad one. */
export function setQuotasFromFlags(store: Store, appId: string, flags: string[]): QuotaLimits {
  const changes: Partial<Record<QuotaName, number | null>> = {};
  for (const flag of flags) {
    const match = /^([A-Za-z]+)=(\d+|default)$/.exec(flag.trim());
    if (!match || !(QUOTA_NAMES as string[]).includes(match[1]))
      throw new BadRequestError(
        `--set ${flag}: expected NAME=N or NAME=default with NAME one of ${QUOTA_NAMES.join(', ')}`,
      );
    changes[match[1] as QuotaName] = match[2] === 'default' ? null : Number(match[2]);
  }
  return setQuotas(store, appId, changes);
}
