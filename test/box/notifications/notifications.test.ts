import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../apps-sdk/src/manifest.ts';
import { AppRegistry } from '../../../box/apps/app-registry.ts';
import type { DriverView } from '../../../box/drivers/driver-manager.ts';
import { ExportLedger } from '../../../box/exports/ledger.ts';
import { Notifications } from '../../../box/notifications/notifications.ts';
import { Store } from '../../../box/store/store.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 12);

function install(registry: AppRegistry, id: string, expiresAt: number): void {
  registry.putInstall({
    id,
    version: '1.0.0',
    name: `${id} app`,
    manifest: { id, name: `${id} app` } as unknown as Manifest,
    dir: `/apps/${id}`,
    installedAt: NOW - DAY,
    updatedAt: NOW - DAY,
  });
  registry.insertConsent(
    {
      receiptId: `${id.padEnd(8, '0').slice(0, 8)}-0000-4000-8000-000000000000`,
      appId: id,
      appVersion: '1.0.0',
      createdAt: NOW - DAY,
      expiresAt,
      destinations: [],
      timeZone: false,
      receipt: {},
      supersededAt: null,
    },
    [],
  );
}

function held(ledger: ExportLedger, id: string, appId: string, status: 'review' | 'delivered' = 'review') {
  ledger.insert({
    id,
    appId,
    runId: 'run',
    destination: 'summary',
    url: 'https://energy-coop.example/',
    payload: { kWh: 1 },
    sha256: '0'.repeat(64),
    salt: null,
    bytes: 10,
    status,
    attempts: 0,
    responseStatus: null,
    lastError: null,
    createdAt: NOW,
    decidedAt: null,
    decidedBy: null,
    updatedAt: NOW,
  } as never);
}

const driver = (id: string, enabled: boolean, state: DriverView['status']['state']): DriverView =>
  ({
    id,
    type: 'mqtt',
    enabled,
    config: {},
    createdAt: 0,
    updatedAt: 0,
    status: {
      state,
      counters: {},
      restarts: 2,
      lastError: { at: NOW, message: 'connect ECONNREFUSED 127.0.0.1:1' },
    },
  }) as DriverView;

describe('notifications', () => {
  it('lists held exports, consents ending within 14 days, stopped drivers and low disk', () => {
    let now = NOW;
    const store = Store.open(':memory:', { clock: () => now });
    const registry = new AppRegistry(store.db);
    const ledger = new ExportLedger(store.db);
    install(registry, 'soon', NOW + 3 * DAY + 1000);
    install(registry, 'later', NOW + 30 * DAY);
    install(registry, 'ended', NOW - 1000);
    held(ledger, 'a', 'soon');
    held(ledger, 'b', 'soon');
    held(ledger, 'c', 'later', 'delivered');
    const drivers = [
      driver('garage', true, 'disconnected'),
      driver('off', false, 'stopped'),
      driver('ok', true, 'connected'),
    ];
    // ':memory:' has no folder of its own: the disk is the working directory's, far below 10^6 MB free
    store.kv.set('box', 'config', { store: { lowDiskMB: 1_000_000 } }, NOW);
    const notes = new Notifications({ store, drivers: () => drivers, clock: () => now });
    const list = notes.list();
    expect(list.map((n) => [n.kind, n.text])).toEqual([
      ['driver-stopped', 'Driver “garage” (mqtt) cannot reach its devices: connect ECONNREFUSED 127.0.0.1:1'],
      ['disk-low', expect.stringMatching(/^disk space is low: .* free of .*warning below 1000000 MB/)],
      ['export-review', '2 exports of soon app wait for your review'],
      ['consent-expiring', expect.stringMatching(/^Your consent for ended app has ended/)],
      ['consent-expiring', 'Your consent for soon app ends in 4 days; renew it to keep the app working'],
    ]);
    expect(notes.count()).toBe(5);

    // the badge is cached for 5 s; the list is always computed afresh
    ledger.update('a', 'pending', now);
    expect(notes.count()).toBe(5);
    expect(notes.list().find((n) => n.kind === 'export-review')?.text).toBe(
      '1 export of soon app waits for your review',
    );
    ledger.update('b', 'pending', now);
    now += 5_000;
    expect(notes.count()).toBe(4);
    store.close();
  });

  it('finds held exports through a partial index, not by scanning every export', () => {
    const store = Store.open(':memory:');
    const notes = new Notifications({ store });
    notes.list();
    const plan = store.db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT app_id, count(*) AS n FROM app_exports WHERE status = 'review' GROUP BY app_id ORDER BY app_id",
      )
      .all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join('; ')).toMatch(/USING (COVERING )?INDEX app_exports_review/);
    expect(notes.list()).toEqual([]);
    store.close();
  });
});
