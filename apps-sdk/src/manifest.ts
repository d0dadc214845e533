import { z } from 'zod';
import { AGGREGATES } from './aggregates.ts';
import { isDuration } from './duration.ts';
import { exportPayloadBound } from './export-bound.ts';
import { MANIFEST_RESOLUTIONS } from './resolution.ts';
import { schemaSafetyIssues } from './schema-safety.ts';

/**
 * The app manifest, `databox-app.json`: who the app is, how it runs, what data it asks for (kinds,
 * resolutions with a purpose each, history window), what it shows and what it may send out.
 * The published JSON Schema (`apps-sdk/databox-app.schema.json`) is generated from this schema.
 */

export const APP_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,63}$/;
/** Request names, insight keys and export ids: short identifiers apps use in code. */
export const NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;
// Semantic Versioning 2.0.0, the regular expression suggested by semver.org.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const MEMORY_MB = { default: 64, min: 8, max: 512 } as const;
export const TIMEOUT_MS = { default: 30_000, min: 100, max: 600_000 } as const;

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const name = z.string().regex(NAME_PATTERN, 'must be a letter then letters, digits, _ or - (at most 64)');
const duration = z.string().refine(isDuration, 'must be an ISO 8601 duration such as P90D, PT30M or P1Y');
/** A JSON Schema document; compiled with ajv by `checkApp` and the box. */
const jsonSchema = z.record(z.string(), z.unknown());

function isExportUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  // Plain HTTP only to this machine, for development and tests.
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

export const isolateRuntimeSchema = z.strictObject({
  type: z.literal('isolate'),
  entry: z
    .string()
    .regex(/^(?!\/)(?!.*\.\.)[\w./-]+\.m?js$/, 'must be a relative path to a .js file inside the app folder'),
  /** Source bundled by `databox app build` (default `src/index.ts`). */
  source: z
    .string()
    .regex(/^(?!\/)(?!.*\.\.)[\w./-]+\.[cm]?[jt]s$/, 'must be a relative path to a source file')
    .optional(),
});

/** Languages a container app may declare (`runtime.language`); only `node` code is bundled. */
export const CONTAINER_LANGUAGES = ['node', 'python', 'other'] as const;

export const containerRuntimeSchema = z.strictObject({
  type: z.literal('container'),
  image: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._/-]*(:[\w.-]+)?$/, 'must be a local image name such as databox/node-base'),
  command: z.array(z.string().min(1)).min(1, 'must name the command to run'),
  /** What the code is written in: `node` (the default) is bundled by `databox app build`; others run as they are. */
  language: z.enum(CONTAINER_LANGUAGES).optional(),
});

export const requestSchema = z.strictObject({
  name,
  kind: z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'must be a datasource kind such as electricity.import.power'),
  required: z.boolean().default(true),
  resolutions: z
    .array(z.strictObject({ resolution: z.enum(MANIFEST_RESOLUTIONS), purpose: text(500) }))
    .min(1, 'must list at least one resolution with its purpose'),
  history: duration,
  aggregates: z.array(z.enum(AGGREGATES)).default([]),
});

export const insightSchema = z.strictObject({
  key: name,
  title: text(200),
  description: text(1000),
  schema: jsonSchema.optional(),
});

export const exportSchema = z.strictObject({
  id: name,
  url: z.string().refine(isExportUrl, 'must be an https:// URL (http:// only to localhost)'),
  reason: text(1000),
  schema: jsonSchema,
  // 1 MB: inferences are small, and the export gateway's socket takes bodies up to 1 MiB
  maxBytes: z.int().positive().max(1_000_000),
  maxPerDay: z.int().positive().max(1440),
});

/**
 * The optional request for the household's time zone: the householder sees `reason` on the consent
 * screen and may decline; the app then reads `null` from `ctx.timeZone()` and works in UTC.
 */
export const timeZoneRequestSchema = z.strictObject({ reason: text(500) });

export const scheduleSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('manual') }),
  z.strictObject({
    type: z.literal('interval'),
    every: duration,
    /** Run once as soon as installed; by default the first run waits for `every` after install. */
    runAtInstall: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal('on-new-data'), minInterval: duration.optional() }),
]);

export const limitsSchema = z.strictObject({
  memoryMb: z.int().min(MEMORY_MB.min).max(MEMORY_MB.max).default(MEMORY_MB.default),
  timeoutMs: z.int().min(TIMEOUT_MS.min).max(TIMEOUT_MS.max).default(TIMEOUT_MS.default),
});

/**
 * The zod schema of `databox-app.json` (prefer {@link validateManifest}, which lists every error).
 *
 * @example
 * ```ts
 * const manifest = manifestSchema.parse(JSON.parse(text)); // throws a ZodError on the first problems
 * manifest.limits.memoryMb; // 64 unless set
 * ```
 */
export const manifestSchema = z.strictObject({
  $schema: z.string().optional(),
  id: z.string().regex(APP_ID_PATTERN, 'must be 2–64 lower-case letters, digits or -, not starting with -'),
  name: text(100),
  version: z.string().regex(SEMVER, 'must be a semantic version such as 1.0.0'),
  description: text(2000),
  author: text(200),
  homepage: z.url().optional(),
  runtime: z.discriminatedUnion('type', [isolateRuntimeSchema, containerRuntimeSchema]),
  requests: z.array(requestSchema).default([]),
  insights: z.array(insightSchema).default([]),
  exports: z.array(exportSchema).default([]),
  /**
   * Asks for the household's IANA time zone (optional for the householder, who may decline), so
   * that the app can speak of local hours and days; it tells the app roughly where the home is.
   */
  timeZone: timeZoneRequestSchema.optional(),
  schedule: scheduleSchema.default({ type: 'manual' }),
  /**
   * The app's options the householder may set (a tariff, a threshold): a JSON Schema of an object
   * whose properties give a `default` each; the app reads the values with `settings.get`.
   */
  settings: jsonSchema.optional(),
  /**
   * Files or folders the app needs besides the manifest and its built code (`dist/`), relative to
   * the app folder: what `databox app pack` puts in the bundle with them (e.g. `["data/tariffs.json"]`).
   */
  assets: z
    .array(
      z
        .string()
        .regex(
          /^(?![/.])(?!.*(^|\/)\.)[\w./ -]+$/,
          'must be a relative path inside the app folder, with no dotfile or ".." part',
        ),
    )
    .max(100)
    .optional(),
  limits: limitsSchema.default({ memoryMb: MEMORY_MB.default, timeoutMs: TIMEOUT_MS.default }),
});

/** A validated manifest, defaults filled in. */
export type Manifest = z.output<typeof manifestSchema>;
/** A manifest as written in `databox-app.json` (optional fields may be left out). */
export type ManifestInput = z.input<typeof manifestSchema>;
export type AppRequest = Manifest['requests'][number];
export type InsightDeclaration = Manifest['insights'][number];
export type ExportDeclaration = Manifest['exports'][number];
export type Schedule = Manifest['schedule'];
export type TimeZoneRequest = z.output<typeof timeZoneRequestSchema>;

/** One problem found in a manifest or app folder: `path` like `requests[0].history`. */
export interface ManifestIssue {
  path: string;
  message: string;
}

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; errors: ManifestIssue[] };

/**
 * Formats a zod issue path as `requests[0].resolutions[1].purpose` (`(root)` for the top).
 *
 * @example
 * ```ts
 * formatPath(['requests', 0, 'history']); // 'requests[0].history'
 * formatPath([]); // '(root)'
 * ```
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Checks across entries that zod's per-field checks cannot see (duplicates). */
function duplicateErrors(input: unknown): ManifestIssue[] {
  const errors: ManifestIssue[] = [];
  if (typeof input !== 'object' || input === null) return errors;
  const record = input as Record<string, unknown>;
  const lists: Array<[string, string]> = [
    ['requests', 'name'],
    ['insights', 'key'],
    ['exports', 'id'],
  ];
  for (const [list, field] of lists) {
    const items = record[list];
    if (!Array.isArray(items)) continue;
    const seen = new Map<unknown, number>();
    items.forEach((item, i) => {
      const value = (item as Record<string, unknown> | null)?.[field];
      if (typeof value !== 'string') return;
      const first = seen.get(value);
      if (first === undefined) seen.set(value, i);
      else
        errors.push({
          path: `${list}[${i}].${field}`,
          message: `duplicates ${list}[${first}].${field} "${value}"`,
        });
    });
  }
  const requests = record.requests;
  if (Array.isArray(requests)) {
    requests.forEach((request, i) => {
      const resolutions = (request as Record<string, unknown> | null)?.resolutions;
      if (!Array.isArray(resolutions)) return;
      const seen = new Set<unknown>();
      resolutions.forEach((entry, j) => {
        const value = (entry as Record<string, unknown> | null)?.resolution;
        if (seen.has(value))
          errors.push({
            path: `requests[${i}].resolutions[${j}].resolution`,
            message: `lists ${String(value)} twice`,
          });
        seen.add(value);
      });
    });
  }
  return errors;
}

/** Checks the caller adds to {@link validateManifest}: the box passes its export gateway's URL policy. */
export interface ValidateManifestOptions {
  /** Why an export URL would be refused, or `undefined` when it is fine. */
  checkExportUrl?: (url: string) => string | undefined;
}

/** A settings schema is an object of properties, each with a default, and safe like the others. */
function settingsSchemaIssues(schema: Record<string, unknown>): ManifestIssue[] {
  const unsafe = schemaSafetyIssues(schema, 'settings');
  if (unsafe.length > 0) return unsafe;
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (schema.type !== 'object' || typeof properties !== 'object' || properties === null)
    return [{ path: 'settings', message: 'must be a JSON Schema with type "object" and properties' }];
  const names = Object.keys(properties);
  // the names go into the audit trail when the householder changes them: short and few
  if (names.length > 50) return [{ path: 'settings.properties', message: 'at most 50 settings' }];
  return Object.entries(properties).flatMap(([name, sub]) =>
    !NAME_PATTERN.test(name)
      ? [
          {
            path: `settings.properties.${name.slice(0, 64)}`,
            message: 'a setting name must match [a-zA-Z][a-zA-Z0-9_-]{0,63}',
          },
        ]
      : typeof sub === 'object' && sub !== null && 'default' in sub
        ? []
        : [
            {
              path: `settings.properties.${name}`,
              message: 'needs a "default" (the value until the householder sets one)',
            },
          ],
  );
}

/**
 * App-supplied schemas are untrusted code: each must be safe to run (`schemaSafetyIssues`), and
 * an export's must bound what one export can carry, so the consent screen can say how much.
 */
function schemaErrors(manifest: Manifest, options: ValidateManifestOptions): ManifestIssue[] {
  const errors: ManifestIssue[] = [];
  manifest.insights.forEach((insight, i) => {
    if (insight.schema) errors.push(...schemaSafetyIssues(insight.schema, `insights[${i}].schema`));
  });
  if (manifest.settings) errors.push(...settingsSchemaIssues(manifest.settings));
  manifest.exports.forEach((exp, i) => {
    const path = `exports[${i}].schema`;
    const unsafe = schemaSafetyIssues(exp.schema, path);
    errors.push(...unsafe);
    const bound = unsafe.length === 0 ? exportPayloadBound(exp.schema, path) : undefined;
    if (bound?.why)
      errors.push({
        path: bound.why.path,
        message: `${bound.why.message}; an export schema must bound every value (maxLength, maxItems, additionalProperties: false)`,
      });
    const refused = options.checkExportUrl?.(exp.url);
    if (refused) errors.push({ path: `exports[${i}].url`, message: refused });
  });
  return errors;
}

/**
 * Validates a parsed `databox-app.json` and lists EVERY problem, each as `{ path, message }`:
 * the zod schema, duplicates, and the insight and export JSON Schemas (safe regexes, bounded size
 * and depth; export schemas bound their payload).
 *
 * @example
 * ```ts
 * const result = validateManifest(JSON.parse(await readFile('databox-app.json', 'utf8')));
 * if (!result.ok) for (const e of result.errors) console.error(`${e.path}: ${e.message}`);
 * else console.log(result.manifest.requests.map((r) => r.name));
 * ```
 */
export function validateManifest(json: unknown, options: ValidateManifestOptions = {}): ManifestResult {
  const parsed = manifestSchema.safeParse(json);
  const errors: ManifestIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  errors.push(...duplicateErrors(json));
  if (parsed.success) errors.push(...schemaErrors(parsed.data, options));
  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, manifest: parsed.data };
}
