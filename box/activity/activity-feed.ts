import { AppRegistry } from '../apps/app-registry.ts';
import { DeviceRegistry } from '../devices/device-registry.ts';
import type { Store } from '../store/store.ts';
import { activityGroups } from './activity-groups.ts';
import { type ActivityLine, type ActivityNames, activityLine } from './activity-lines.ts';
import { kindWords } from './activity-words.ts';

/** Entries that another line already tells (a run's start: its end says it ran). */
const TOLD_ELSEWHERE = new Set(['app.run.start']);

export interface ActivityFeed {
  lines: ActivityLine[];
  /** Audit entries the lines stand for. */
  entries: number;
  /** Entries of the window not summarised (more than the cap); the raw audit has them all. */
  skipped: number;
}

/** Names of the apps, drivers and datasources the box knows now (read once per feed). */
export function activityNames(store: Store): ActivityNames {
  const apps = new Map<string, string>();
  try {
    for (const app of new AppRegistry(store.db).listInstalls()) apps.set(app.id, app.name);
  } catch {
    // a box that never installed an app may have no app tables yet: ids stand for names
  }
  const registry = new DeviceRegistry(store);
  const devices = registry.byDatasource();
  const deviceNames = new Map([...devices.values()].map((d) => [d.id, d.name]));
  const app = (id: string) => apps.get(id) ?? (id ? `app ${id}` : 'an app');
  return {
    app,
    actor(actor) {
      if (actor === 'user') return 'You';
      if (actor === 'box') return 'The box';
      if (actor === 'gateway') return 'The export gateway';
      const [type, id] = [actor.slice(0, actor.indexOf(':')), actor.slice(actor.indexOf(':') + 1)];
      return type === 'app' ? app(id) : `Driver “${id}”`;
    },
    device: (id) => deviceNames.get(id) ?? id,
    source(id) {
      const device = devices.get(id);
      const source = device?.datasources.find((s) => s.id === id);
      if (!device || !source) return id || 'data';
      return `${kindWords(source.kind)} of ${device.name}`;
    },
  };
}

/**
 * The plain-language feed of `[from, to)`: one line per kind of thing that happened, newest
 * first, from the audit trail read through its indexes (see {@link activityGroups}); a day's
 * thousands of ingest entries become one line per datasource.
 *
 * @example
 * activityFeed(store, dayStart, dayEnd).lines.map((l) => l.text);
 * // ['1 summary sent to energy-coop.example', 'Energy insights read 90 days of power of P1 meter at 30-minute steps', …]
 */
export function activityFeed(store: Store, from: number, to: number, cap?: number): ActivityFeed {
  // a day that is over is kept in the store (checked against its entries before use)
  const window = activityGroups(store.db, from, to, cap, store.now());
  const names = activityNames(store);
  const lines = window.groups.filter((g) => !TOLD_ELSEWHERE.has(g.action)).map((g) => activityLine(g, names));
  return { lines, entries: window.entries, skipped: window.skipped };
}
