import type Database from 'better-sqlite3';
import { NotFoundError } from '../errors.ts';
import { INSIGHT_BYTES_SQL } from './app-quotas.ts';
import { json, type Row, toConsent, toGrant, toInstall, toRun } from './app-rows.ts';
import { migrateApps } from './apps-schema.ts';
import type { Consent, ExportRecord, Grant, InsightRecord, InstalledApp, RunRecord } from './types.ts';

/**
 * Rows of the app platform's tables (see `apps-schema.ts`). No state is cached, so the daemon and
 * the CLI may share the database; callers wrap multi-step changes in `store.transaction`.
 */
export class AppRegistry {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
    migrateApps(db);
  }

  #all(sql: string, ...args: unknown[]): Row[] {
    return this.#db.prepare(sql).all(...args) as Row[];
  }

  #get(sql: string, ...args: unknown[]): Row | undefined {
    return this.#db.prepare(sql).get(...args) as Row | undefined;
  }

  #run(sql: string, ...args: unknown[]): number {
    return this.#db.prepare(sql).run(...args).changes;
  }

  // ---- installs ----

  findInstall(appId: string): InstalledApp | undefined {
    const row = this.#get('SELECT * FROM app_installs WHERE app_id = ?', appId);
    return row ? toInstall(row) : undefined;
  }

  getInstall(appId: string): InstalledApp {
    const app = this.findInstall(appId);
    if (!app) throw new NotFoundError(`no app "${appId}" is installed (see "databox app list")`);
    return app;
  }

  listInstalls(): InstalledApp[] {
    return this.#all('SELECT * FROM app_installs ORDER BY app_id').map(toInstall);
  }

  putInstall(app: InstalledApp): void {
    this.#run(
      `INSERT INTO app_installs (app_id, version, name, manifest, dir, installed_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (app_id) DO UPDATE SET version = excluded.version, name = excluded.name,
         manifest = excluded.manifest, dir = excluded.dir, updated_at = excluded.updated_at`,
      app.id,
      app.version,
      app.name,
      JSON.stringify(app.manifest),
      app.dir,
      app.installedAt,
      app.updatedAt,
    );
  }

  deleteInstall(appId: string): void {
    this.#run('DELETE FROM app_installs WHERE app_id = ?', appId);
  }

  // ---- consents and grants ----

  /** Stores a consent with its grants, superseding the app's previous consent and grants. */
  insertConsent(consent: Consent, grants: Array<Omit<Grant, 'grantId'>>): void {
    const now = consent.createdAt;
    this.#run(
      'UPDATE app_consents SET superseded_at = ? WHERE app_id = ? AND superseded_at IS NULL',
      now,
      consent.appId,
    );
    this.#run(
      'UPDATE app_grants SET superseded_at = ? WHERE app_id = ? AND superseded_at IS NULL',
      now,
      consent.appId,
    );
    this.#run(
      `INSERT INTO app_consents (receipt_id, app_id, app_version, created_at, expires_at, destinations, receipt)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      consent.receiptId,
      consent.appId,
      consent.appVersion,
      consent.createdAt,
      consent.expiresAt,
      JSON.stringify(consent.destinations),
      JSON.stringify(consent.receipt),
    );
    for (const g of grants) {
      this.#run(
        `INSERT INTO app_grants (receipt_id, app_id, request, datasource, kind, resolution, history, history_ms,
           aggregates, granted_at, expires_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        g.receiptId,
        g.appId,
        g.request,
        g.datasource,
        g.kind,
        g.resolution,
        g.history,
        g.historyMs,
        JSON.stringify(g.aggregates),
        g.grantedAt,
        g.expiresAt,
        g.revokedAt,
      );
    }
  }

  /** The app's newest consent that has not been superseded. */
  currentConsent(appId: string): Consent | undefined {
    const row = this.#get(
      'SELECT * FROM app_consents WHERE app_id = ? AND superseded_at IS NULL ORDER BY created_at DESC LIMIT 1',
      appId,
    );
    return row ? toConsent(row) : undefined;
  }

  getConsent(receiptId: string): Consent {
    const row = this.#get('SELECT * FROM app_consents WHERE receipt_id = ?', receiptId);
    if (!row) throw new NotFoundError(`no consent receipt "${receiptId}"`);
    return toConsent(row);
  }

  /** Every consent of the app, newest first (superseded ones too: the consent history). */
  listConsents(appId: string): Consent[] {
    return this.#all(
      'SELECT * FROM app_consents WHERE app_id = ? ORDER BY created_at DESC, rowid DESC',
      appId,
    ).map(toConsent);
  }

  /** The grants of the app's current consent (revoked and expired ones included; the arbiter judges). */
  currentGrants(appId: string): Grant[] {
    return this.#all(
      'SELECT * FROM app_grants WHERE app_id = ? AND superseded_at IS NULL ORDER BY grant_id',
      appId,
    ).map(toGrant);
  }

  /** Marks the app's live grants (or one request's) revoked; returns the requests revoked. */
  revokeGrants(appId: string, now: number, request?: string): string[] {
    const live = this.currentGrants(appId).filter(
      (g) => g.revokedAt === null && (request === undefined || g.request === request),
    );
    for (const g of live)
      this.#run('UPDATE app_grants SET revoked_at = ? WHERE grant_id = ?', now, g.grantId);
    return live.map((g) => g.request);
  }

  /** Ends the app's consent entirely (uninstall): consent and grants superseded, live grants revoked. */
  endConsent(appId: string, now: number): void {
    this.revokeGrants(appId, now);
    this.#run(
      'UPDATE app_consents SET superseded_at = ? WHERE app_id = ? AND superseded_at IS NULL',
      now,
      appId,
    );
    this.#run(
      'UPDATE app_grants SET superseded_at = ? WHERE app_id = ? AND superseded_at IS NULL',
      now,
      appId,
    );
  }

  // ---- runs ----

  insertRun(run: RunRecord): void {
    this.#run(
      `INSERT INTO app_runs (run_id, app_id, app_version, trigger, runtime, started_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      run.runId,
      run.appId,
      run.appVersion,
      run.trigger,
      run.runtime,
      run.startedAt,
      run.status,
    );
  }

  finishRun(run: RunRecord): void {
    this.#run(
      `UPDATE app_runs SET ended_at = ?, status = ?, duration_ms = ?, reads = ?, rows_read = ?, insights = ?,
         exports = ?, error = ?, logs = ? WHERE run_id = ?`,
      run.endedAt,
      run.status,
      run.durationMs,
      run.reads,
      run.rowsRead,
      run.insights,
      run.exports,
      run.error,
      JSON.stringify(run.logs),
      run.runId,
    );
  }

  getRun(runId: string): RunRecord {
    const row = this.#get('SELECT * FROM app_runs WHERE run_id = ?', runId);
    if (!row) throw new NotFoundError(`no app run "${runId}"`);
    return toRun(row);
  }

  /** The app's runs, newest first. */
  listRuns(appId: string, limit = 50): RunRecord[] {
    return this.#all(
      'SELECT * FROM app_runs WHERE app_id = ? ORDER BY started_at DESC, rowid DESC LIMIT ?',
      appId,
      limit,
    ).map(toRun);
  }

  /** The newest start time of any of the app's runs, or undefined. */
  lastRunStart(appId: string): number | undefined {
    const row = this.#get('SELECT MAX(started_at) AS t FROM app_runs WHERE app_id = ?', appId);
    return row?.t === null || row?.t === undefined ? undefined : Number(row.t);
  }

  /** How many runs of the app started at or after `since` (for the runs-per-hour quota). */
  countRunsSince(appId: string, since: number): number {
    const row = this.#get(
      'SELECT COUNT(*) AS n FROM app_runs WHERE app_id = ? AND started_at >= ?',
      appId,
      since,
    );
    return Number(row?.n ?? 0);
  }

  // ---- insights and exports ----

  /** Bytes the app's stored insights count for (see `insightBytes` in app-quotas.ts). */
  insightBytes(appId: string): number {
    const row = this.#get(`SELECT ${INSIGHT_BYTES_SQL} AS b FROM app_insights WHERE app_id = ?`, appId);
    return Number(row?.b ?? 0);
  }

  /** Deletes the app's oldest insights until at least `bytes` are freed; returns what went. */
  trimOldestInsights(appId: string, bytes: number): { removed: number; freed: number } {
    let removed = 0;
    let freed = 0;
    while (freed < bytes) {
      const rows = this.#all(
        `SELECT insight_id AS id, ${INSIGHT_BYTES_SQL.replace(/^SUM/, '')} AS b FROM app_insights
         WHERE app_id = ? ORDER BY created_at, insight_id LIMIT 200`,
        appId,
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        if (freed >= bytes) break;
        this.#run('DELETE FROM app_insights WHERE insight_id = ?', row.id);
        removed++;
        freed += Number(row.b);
      }
    }
    return { removed, freed };
  }

  insertInsight(insight: Omit<InsightRecord, 'insightId'>): void {
    this.#run(
      `INSERT INTO app_insights (app_id, run_id, key, title, summary, value, unit, data, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      insight.appId,
      insight.runId,
      insight.key,
      insight.title,
      insight.summary,
      insight.value,
      insight.unit,
      insight.data === undefined ? null : JSON.stringify(insight.data),
      insight.createdAt,
    );
  }

  /** The app's insights, newest first. */
  listInsights(appId: string, limit = 100): InsightRecord[] {
    return this.#all(
      'SELECT * FROM app_insights WHERE app_id = ? ORDER BY created_at DESC, insight_id DESC LIMIT ?',
      appId,
      limit,
    ).map((r) => ({
      insightId: Number(r.insight_id),
      appId: String(r.app_id),
      runId: String(r.run_id),
      key: String(r.key),
      title: String(r.title),
      summary: (r.summary as string | null) ?? null,
      value: (r.value as number | null) ?? null,
      unit: (r.unit as string | null) ?? null,
      data: json(r.data),
      createdAt: Number(r.created_at),
    }));
  }

  insertExport(record: ExportRecord): void {
    this.#run(
      `INSERT INTO app_exports (export_id, app_id, run_id, destination, url, payload, bytes, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      record.exportId,
      record.appId,
      record.runId,
      record.destination,
      record.url,
      JSON.stringify(record.payload),
      record.bytes,
      record.status,
      record.createdAt,
    );
  }

  /** Export requests of the app to `destination` created at or after `since`. */
  countExportsSince(appId: string, destination: string, since: number): number {
    const row = this.#get(
      'SELECT COUNT(*) AS n FROM app_exports WHERE app_id = ? AND destination = ? AND created_at >= ?',
      appId,
      destination,
      since,
    );
    return Number(row?.n ?? 0);
  }

  /** The app's export requests, newest first. */
  listExports(appId: string, limit = 100): ExportRecord[] {
    return this.#all(
      'SELECT * FROM app_exports WHERE app_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
      appId,
      limit,
    ).map((r) => ({
      exportId: String(r.export_id),
      appId: String(r.app_id),
      runId: String(r.run_id),
      destination: String(r.destination),
      url: String(r.url),
      payload: json(r.payload),
      bytes: Number(r.bytes),
      status: r.status as ExportRecord['status'],
      createdAt: Number(r.created_at),
    }));
  }
}
