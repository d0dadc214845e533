/**
 * Every action the box writes into the audit trail: who writes it, what its subject is, and a
 * JSON Schema (draft 2020-12) of its `details`. `docs/audit.md`'s action table is generated from
 * this list (`npx tsx box/audit/action-table.ts --write`), and the test suite checks that every
 * `action` in the source has a schema here and that the entries a real box writes validate.
 */
import { appActions, exportActions } from './app-action-schemas.ts';
import { appStoreActions } from './app-store-action-schemas.ts';
import {
  type ActionSchema,
  anyJson,
  count,
  counts,
  hex64,
  int,
  nullable,
  open,
  shape,
  text,
  time,
  uuid,
  window,
} from './schema-parts.ts';

export type { ActionSchema, JsonSchema } from './schema-parts.ts';

/** The actions, by name. */
export const ACTION_SCHEMAS: Record<string, ActionSchema> = {
  'box.start': {
    actors: ['box'],
    subject: "''",
    summary: 'the daemon started',
    details: shape({ version: text, url: text }),
  },
  'box.stop': { actors: ['box'], subject: "''", summary: 'the daemon stopped cleanly', details: shape({}) },
  'box.backup': {
    actors: ['user'],
    subject: "''",
    summary: '`databox backup` wrote an encrypted backup',
    details: shape({
      file: text,
      bytes: count,
      ms: { type: 'number' },
      auditHead: int,
      files: count,
      encryption: { enum: ['age-recipients', 'age-passphrase'] },
      rotatedOut: count,
    }),
  },
  'box.restore': {
    actors: ['user'],
    subject: "''",
    summary: '`databox restore` replaced the home from a verified backup',
    details: shape({ backupCreatedAt: text, auditHead: count, keptOld: nullable(text) }),
  },
  'box.check': {
    actors: ['user'],
    subject: "''",
    summary: '`databox check` ran',
    details: shape({
      ok: { type: 'boolean' },
      ms: { type: 'number' },
      failed: { type: 'array', items: text },
    }),
  },
  'config.change': {
    actors: ['user'],
    subject: "''",
    summary: 'config.json differs from the last start',
    details: shape({ from: anyJson, to: anyJson }),
  },
  'settings.change': {
    actors: ['user'],
    subject: "the setting: 'time' (zone and locale) or 'tariff'",
    summary: 'the householder changed a box setting on the dashboard or the CLI',
    details: shape({ from: anyJson, to: anyJson }),
  },
  'auth.failure': {
    actors: ['box'],
    subject: "''",
    summary: 'an API call without a valid admin token (at most so many a minute)',
    details: shape({ method: text, path: text, reason: text }),
  },
  'user.signin': {
    actors: ['user'],
    subject: "''",
    summary: 'a dashboard sign-in, refused ones summed per client',
    details: shape({ ok: { type: 'boolean' }, client: text, reason: text, refusedBefore: count }, [
      'reason',
      'refusedBefore',
    ]),
  },
  'user.signout': {
    actors: ['user'],
    subject: "''",
    summary: 'a dashboard sign-out',
    details: shape({ client: text }),
  },
  'user.password.set': {
    actors: ['user'],
    subject: "''",
    summary: 'the dashboard password was set or replaced',
    details: shape({ via: text, replaced: { type: 'boolean' } }),
  },
  'datasource.create': {
    actors: ['user', 'driver:<id>'],
    subject: 'datasource id',
    summary: 'a datasource was added to the catalogue',
    details: open({ id: text, kind: text, unit: text, valueType: text, createdAt: time }),
  },
  'datasource.update': {
    actors: ['user', 'driver:<id>'],
    subject: 'datasource id',
    summary: 'catalogue fields changed',
    details: shape({
      changes: {
        type: 'object',
        additionalProperties: shape({ from: anyJson, to: anyJson }),
      },
    }),
  },
  'datasource.delete': {
    actors: ['user'],
    subject: 'datasource id',
    summary: 'a datasource and its data were deleted',
    details: shape({ kind: text }),
  },
  'readings.write': {
    actors: ['driver:<id>', 'user'],
    subject: 'datasource id',
    summary: 'one ingest window (source, writer, hour), see *Ingest windows*',
    details: shape(
      {
        batches: count,
        written: count,
        duplicates: count,
        skipped: count,
        ...window,
        openedAt: time,
        lastAt: time,
        digest: hex64,
        digestFormat: { const: 2 },
        sealed: { enum: ['closed', 'batch', 'stop', 'flush', 'erase'] },
      },
      ['skipped', 'digestFormat'],
    ),
  },
  'readings.read': {
    actors: ['app:<id>', 'user'],
    subject: 'datasource id',
    summary: 'one read: what, at which resolution, which window, how many rows',
    details: {
      type: 'object',
      properties: {
        query: { enum: ['latest', 'last'] },
        n: count,
        resolution: text,
        tz: text,
        aggregate: nullable(text),
        ...window,
        rows: count,
        withheld: count,
        run: uuid,
        request: text,
        grant: int,
        asked: shape({ from: nullable(int), to: nullable(int), resolution: nullable(text) }),
      },
      required: ['rows'],
      additionalProperties: false,
    },
  },
  'readings.refuse': {
    actors: ['app:<id>'],
    subject: "datasource id, or ''",
    summary: 'a refused read (at most so many a run, then a summary)',
    details: shape(
      {
        run: text,
        request: nullable(text),
        reason: text,
        code: text,
        grant: nullable(int),
        asked: shape({
          from: nullable(int),
          to: nullable(int),
          resolution: nullable(text),
          aggregate: nullable(text),
        }),
        note: text,
      },
      ['note'],
    ),
  },
  'readings.refuse.summary': {
    actors: ['app:<id>'],
    subject: "''",
    summary: 'the refused reads of a run past those audited one by one',
    details: shape({ run: text, refused: count, audited: count, unaudited: count, byReason: counts }),
  },
  'readings.erase': {
    actors: ['user'],
    subject: 'datasource id',
    summary: 'readings erased in a window',
    details: shape({ ...window, readings: count, events: count, buckets: count }),
  },
  'retention.apply': {
    actors: ['box', 'user'],
    subject: 'datasource id',
    summary: 'raw data past the retention horizon expired',
    details: shape({ id: text, horizon: time, readings: count, events: count }),
  },
  'events.write': {
    actors: ['driver:<id>', 'user'],
    subject: 'datasource id',
    summary: 'a batch of events stored',
    details: shape({ count }),
  },
  'events.read': {
    actors: ['app:<id>', 'user'],
    subject: 'datasource id',
    summary: 'events read in a window',
    details: open({ ...window, rows: count }),
  },
  'kv.read': {
    actors: ['app:<id>'],
    subject: 'datasource id (a kv datasource)',
    summary: 'entries of a granted kv datasource read by an app (counted, never named or valued)',
    details: shape({
      rows: count,
      oneKey: { type: 'boolean' },
      historyMs: count,
      run: uuid,
      request: text,
      grant: int,
    }),
  },
  'kv.set': {
    actors: ['driver:<id>', 'user'],
    subject: 'datasource id (a kv datasource)',
    summary: 'a key of a kv datasource set (never the value)',
    details: shape({ key: text }),
  },
  'import.file': {
    actors: ['user'],
    subject: 'file name (cut to 200 characters)',
    summary: 'a meter export file imported from the dashboard',
    details: shape({
      format: text,
      bytes: count,
      datasources: { type: 'array', items: text },
      written: count,
      duplicates: count,
      errors: count,
    }),
  },
  'driver.add': {
    actors: ['user'],
    subject: 'driver instance id',
    summary: 'a driver instance added (secrets redacted)',
    details: shape({ type: text, enabled: { type: 'boolean' }, config: { type: 'object' } }),
  },
  'driver.update': {
    actors: ['user'],
    subject: 'driver instance id',
    summary: 'a driver instance enabled, disabled or reconfigured (secrets redacted)',
    details: shape(
      {
        enabled: shape({ from: { type: 'boolean' }, to: { type: 'boolean' } }),
        config: shape({ from: { type: 'object' }, to: { type: 'object' } }),
      },
      ['enabled', 'config'],
    ),
  },
  'driver.remove': {
    actors: ['user'],
    subject: 'driver instance id',
    summary: 'a driver instance removed (its data stays)',
    details: shape({ type: text }),
  },
  'device.label': {
    actors: ['user'],
    subject: 'device id',
    summary: 'the householder named a device or set its room (null: the default)',
    details: shape({
      from: shape({ name: nullable(text), room: nullable(text) }),
      to: shape({ name: nullable(text), room: nullable(text) }),
      datasources: count,
    }),
  },
  ...appActions(),
  ...exportActions(),
  ...appStoreActions(),
};
