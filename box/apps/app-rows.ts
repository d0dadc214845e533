/** Row → record mappers for the app platform's tables (used by `AppRegistry`). */
import type { Consent, Grant, InstalledApp, RunRecord } from './types.ts';

export type Row = Record<string, unknown>;

export const json = (text: unknown): unknown =>
  text === null || text === undefined ? null : JSON.parse(String(text));

export function toInstall(r: Row): InstalledApp {
  return {
    id: String(r.app_id),
    version: String(r.version),
    name: String(r.name),
    manifest: json(r.manifest) as InstalledApp['manifest'],
    dir: String(r.dir),
    installedAt: Number(r.installed_at),
    updatedAt: Number(r.updated_at),
  };
}

export function toConsent(r: Row): Consent {
  const receipt = json(r.receipt) as Record<string, unknown>;
  return {
    receiptId: String(r.receipt_id),
    appId: String(r.app_id),
    appVersion: String(r.app_version),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    destinations: json(r.destinations) as string[],
    receipt,
    // the receipt is the record (bound to the audit chain by consentDigest), so no column of its own
    timeZone: (receipt.timeZone as { granted?: unknown } | null | undefined)?.granted === true,
    supersededAt: (r.superseded_at as number | null) ?? null,
  };
}

export function toGrant(r: Row): Grant {
  return {
    grantId: Number(r.grant_id),
    receiptId: String(r.receipt_id),
    appId: String(r.app_id),
    request: String(r.request),
    datasource: String(r.datasource),
    kind: String(r.kind),
    resolution: r.resolution as Grant['resolution'],
    history: String(r.history),
    historyMs: Number(r.history_ms),
    aggregates: json(r.aggregates) as Grant['aggregates'],
    grantedAt: Number(r.granted_at),
    expiresAt: Number(r.expires_at),
    revokedAt: (r.revoked_at as number | null) ?? null,
    supersededAt: (r.superseded_at as number | null) ?? null,
  };
}

export function toRun(r: Row): RunRecord {
  return {
    runId: String(r.run_id),
    appId: String(r.app_id),
    appVersion: String(r.app_version),
    trigger: r.trigger as RunRecord['trigger'],
    runtime: r.runtime as RunRecord['runtime'],
    startedAt: Number(r.started_at),
    endedAt: (r.ended_at as number | null) ?? null,
    status: r.status as RunRecord['status'],
    durationMs: (r.duration_ms as number | null) ?? null,
    reads: Number(r.reads),
    rowsRead: Number(r.rows_read),
    insights: Number(r.insights),
    exports: Number(r.exports),
    error: (r.error as string | null) ?? null,
    logs: json(r.logs) as string[],
  };
}
