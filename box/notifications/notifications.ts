import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { AppRegistry } from '../apps/app-registry.ts';
import { boxPaths } from '../config/paths.ts';
import type { DriverView } from '../drivers/driver-manager.ts';
import { diskSpace } from '../ops/disk-space.ts';
import { lastStoreCheck } from '../ops/store-check.ts';
import type { Store } from '../store/store.ts';

const DAY = 86_400_000;
/** A consent ending within this long is worth a word. */
export const CONSENT_WARNING_MS = 14 * DAY;
/** The header badge is recomputed at most this often (the list page always computes afresh). */
const BADGE_TTL_MS = 5_000;

/** Driver states in which an enabled driver stores nothing, and how to say so. */
const STOPPED = {
  failed: 'failed and is waiting to restart',
  stopped: 'is not running',
  disconnected: 'cannot reach its devices',
} as const;

/** One thing the householder should look at. */
export interface Notification {
  kind: 'export-review' | 'consent-expiring' | 'driver-stopped' | 'disk-low' | 'store-damaged';
  /** `warning` needs a decision soon; `problem` means something is not working. */
  severity: 'warning' | 'problem';
  text: string;
  /** Where to act on it. */
  href: string;
}

export interface NotificationSources {
  store: Store;
  /** The running box's drivers (absent when the dashboard runs without them). */
  drivers?: () => DriverView[];
  clock?: () => number;
}

function appNames(registry: AppRegistry): Map<string, string> {
  return new Map(registry.listInstalls().map((a) => [a.id, a.name]));
}

/**
 * The dashboard's notifications: exports waiting for review, consents ending within 14 days, a
 * driver that is enabled but not running, a store that failed its quick_check, and low disk space.
 * Everything is read from the box itself (no external service) with a few indexed queries: the
 * review queue through a partial index of held exports, consents per installed app, the drivers'
 * live status, the last store check in kv, and one `statfs`.
 *
 * @example
 * const notes = new Notifications({ store, drivers: () => drivers.list() });
 * notes.count(); // 2 (cached for 5 s: the header badge of every page)
 * notes.list(); // [{ kind: 'export-review', text: '1 export of Energy insights waits for your review', … }]
 */
export class Notifications {
  readonly #sources: NotificationSources;
  readonly #clock: () => number;
  #badge: { at: number; count: number } | undefined;
  #indexed = false;

  constructor(sources: NotificationSources) {
    this.#sources = sources;
    this.#clock = sources.clock ?? Date.now;
  }

  /** How many notifications there are, for the header badge; recomputed at most every 5 s. */
  count(): number {
    const now = this.#clock();
    if (!this.#badge || now - this.#badge.at >= BADGE_TTL_MS || now < this.#badge.at)
      this.#badge = { at: now, count: this.list().length };
    return this.#badge.count;
  }

  /** Every notification, computed now (problems first). */
  list(): Notification[] {
    const { store } = this.#sources;
    const now = this.#clock();
    const out: Notification[] = [];
    const registry = new AppRegistry(store.db);
    const names = appNames(registry);
    for (const { app_id, n } of this.#held(store.db))
      out.push({
        kind: 'export-review',
        severity: 'warning',
        text: `${n} export${n === 1 ? '' : 's'} of ${names.get(app_id) ?? app_id} wait${n === 1 ? 's' : ''} for your review`,
        href: '/exports#h-review',
      });
    for (const [appId, name] of names) {
      const consent = registry.currentConsent(appId);
      if (!consent || consent.expiresAt - now > CONSENT_WARNING_MS) continue;
      const days = Math.ceil((consent.expiresAt - now) / DAY);
      out.push({
        kind: 'consent-expiring',
        severity: 'warning',
        text:
          consent.expiresAt <= now
            ? `Your consent for ${name} has ended: it can no longer read your data until you renew it`
            : `Your consent for ${name} ends in ${days} day${days === 1 ? '' : 's'}; renew it to keep the app working`,
        href: `/apps/${appId}`,
      });
    }
    for (const driver of this.#sources.drivers?.() ?? []) {
      const state = driver.status.state;
      if (!driver.enabled || !(state in STOPPED)) continue;
      const why = driver.status.lastError?.message;
      out.push({
        kind: 'driver-stopped',
        severity: 'problem',
        text: `Driver “${driver.id}” (${driver.type}) ${STOPPED[state as keyof typeof STOPPED]}${why ? `: ${why.slice(0, 160)}` : ''}`,
        href: '/drivers',
      });
    }
    const check = lastStoreCheck(store);
    if (check && !check.ok)
      out.push({
        kind: 'store-damaged',
        severity: 'problem',
        text: `The store failed its integrity check (${new Date(check.at).toISOString()}): ${check.problems.slice(0, 2).join('; ').slice(0, 200)}. Restore it from a backup; "databox check" shows the full report`,
        href: '/overview',
      });
    const config = store.kv.get('box', 'config') as { store?: { lowDiskMB?: number } } | undefined;
    try {
      const disk = diskSpace(boxPaths(dirname(store.db.name)), config?.store?.lowDiskMB);
      if (disk.level !== 'ok')
        out.push({ kind: 'disk-low', severity: 'problem', text: disk.summary, href: '/overview' });
    } catch (error) {
      // a folder the box cannot statfs must not take every page's header down with it
      out.push({
        kind: 'disk-low',
        severity: 'problem',
        text: `the free disk space could not be read: ${(error as Error).message}`,
        href: '/overview',
      });
    }
    this.#badge = { at: now, count: out.length };
    return out.sort((a, b) => Number(b.severity === 'problem') - Number(a.severity === 'problem'));
  }

  /** Held exports per app, through a partial index holding only the rows in review. */
  #held(db: Database.Database): Array<{ app_id: string; n: number }> {
    if (!this.#indexed && !db.readonly) {
      db.exec(
        "CREATE INDEX IF NOT EXISTS app_exports_review ON app_exports (app_id) WHERE status = 'review'",
      );
      this.#indexed = true;
    }
    return db
      .prepare(
        "SELECT app_id, count(*) AS n FROM app_exports WHERE status = 'review' GROUP BY app_id ORDER BY app_id",
      )
      .all() as Array<{ app_id: string; n: number }>;
  }
}
