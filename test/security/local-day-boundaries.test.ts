import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/box-process.ts';
import { pollerManifest } from './bucket-poller.ts';
import { type HostileBox, hostileIsolateApp, startHostileBox } from './hostile-box.ts';

/**
 * Issue 12, point 2: the arbiter serves `1d` (and `1h`) buckets on the box zone's local
 * boundaries, never on ones the app picks. The attacker, an app on a real `databox start` daemon
 * whose zone is Asia/Kathmandu (+05:45), tries to name a zone or offset of its own (the box's
 * local midnight is 18:15 UTC; UTC's is 5 h 45 min away, so two alignments differenced would give
 * 5 h 45 min pieces of a `1d` grant), and shifts its window by 15, 30, 45 minutes, an hour,
 * 5 h 45 min and 12 h hoping for buckets that start elsewhere. Checked against the raw readings.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const KATHMANDU = (5 * 60 + 45) * 60_000;

const ATTACK = `
const grant = (await call('data.grants', {})).find((g) => g.request === 'power');
const at = Date.now();
const refused = [];
for (const extra of [{ tz: 'UTC' }, { tz: 'Asia/Kolkata' }, { timeZone: 'UTC' }, { offset: 0 }, { utcOffset: '+00:00' }, { align: 'utc' }]) {
  try {
    await call('data.read', { request: 'power', resolution: '1d', ...extra });
    refused.push({ extra, served: true });
  } catch (e) {
    refused.push({ extra, served: false, message: String(e && e.message).slice(0, 300) });
  }
}
const reads = [];
for (const resolution of grant.resolution === '1d' ? ['1d'] : ['1h', '1d'])
  for (const shift of [0, 900000, 1800000, 2700000, 3600000, 20700000, 43200000]) {
    const r = await call('data.read', { request: 'power', resolution, aggregate: 'sum', from: at - 2.5 * 86400000 + shift, to: at + 86400000 });
    reads.push({ resolution, shift, from: r.from, to: r.to, points: r.points });
  }
await report({ granted: grant.resolution, refused, reads, at });
`;

interface Report {
  granted: string;
  refused: Array<{ extra: Record<string, unknown>; served: boolean; message?: string }>;
  reads: Array<{
    resolution: '1h' | '1d';
    shift: number;
    from: number;
    to: number;
    points: Array<{ t: number; v: number }>;
  }>;
  at: number;
}

const APPS = [
  { id: 'days', granted: '1d' },
  { id: 'hours', granted: '1h' },
  { id: 'halves', granted: '30min' },
] as const;

describe('red team: choosing the boundaries of local-day buckets, real box in Asia/Kathmandu', () => {
  let box: HostileBox;
  let raw: Array<{ t: number; v: number }>;
  beforeAll(async () => {
    box = await startHostileBox();
    const set = runCli(['time', 'set', '--zone', 'Asia/Kathmandu', '--home', box.home]);
    expect(set.status, set.stderr).toBe(0);
    await box.seedPower(64);
    for (const app of APPS) {
      const folder = hostileIsolateApp(box.scratch(), app.id, ATTACK);
      writeFileSync(
        join(folder, 'databox-app.json'),
        JSON.stringify(pollerManifest(app.id, app.granted, 'P3D', ['sum'])),
      );
      const installed = await box.api('POST', '/api/v1/apps', {
        source: folder,
        grants: { power: { datasource: 'meter.power', resolution: app.granted, history: 'P3D' } },
      });
      expect(installed.status, JSON.stringify(installed.body)).toBe(201);
    }
    const read = await box.api(
      'GET',
      `/api/v1/datasources/meter.power/readings?from=0&to=${Date.now() + DAY}&resolution=raw&limit=100000`,
    );
    expect(read.status).toBe(200);
    raw = read.body.readings;
    expect(raw.length).toBeGreaterThan(64 * 360 - 10);
  }, 120_000);
  afterAll(async () => {
    await box?.stop();
  });

  /** The sum of the raw readings in `[from, to)`: what a bucket must hold, no more, no less. */
  const rawSum = (from: number, to: number) =>
    raw.filter((r) => r.t >= from && r.t < to).reduce((s, r) => s + r.v, 0);

  for (const app of APPS) {
    it(`granted ${app.granted}: no zone or offset is taken, and no window moves a boundary off the box's grid`, async () => {
      const run = await box.run(app.id);
      expect(run.status, `${run.error}\n${run.logs.join('\n')}`).toBe('ok');
      const [report] = (await box.reports(app.id)) as Report[];
      expect(report.granted).toBe(app.granted);
      // naming a zone or an offset is refused, naming the key; nothing is served for it
      for (const r of report.refused) {
        expect(r.served, JSON.stringify(r.extra)).toBe(false);
        expect(r.message).toContain(Object.keys(r.extra)[0]);
      }
      const seen = new Map<number, number>();
      for (const read of report.reads) {
        expect(read.points.length, `${read.resolution} shifted ${read.shift} ms`).toBeGreaterThan(0);
        const length = read.resolution === '1d' ? DAY : HOUR;
        for (const p of read.points) {
          // where the bucket starts: the box's local midnight or local hour (:15 UTC in
          // Kathmandu), or for a 30-minute grant the 30-minute boundary at or before it
          const local = (p.t + KATHMANDU) % length === 0;
          const onHalfHourBefore = p.t % 1_800_000 === 0 && (p.t + KATHMANDU + 900_000) % length === 0;
          if (app.granted === '30min')
            expect(onHalfHourBefore, `${read.resolution} ${new Date(p.t).toISOString()}`).toBe(true);
          else expect(local, `${read.resolution} ${new Date(p.t).toISOString()}`).toBe(true);
          // closed buckets only, inside the granted history
          expect(p.t + length).toBeLessThanOrEqual(report.at);
          expect(p.t).toBeGreaterThanOrEqual(report.at - 3 * DAY);
          // the bucket holds exactly the raw readings of its span
          const want = rawSum(p.t, p.t + length);
          expect(Math.abs(p.v - want), `${new Date(p.t).toISOString()}`).toBeLessThanOrEqual(1e-9 * want);
          // a shifted window picks other buckets, never other values for the same bucket
          const key = p.t * 2 + (length === DAY ? 1 : 0);
          if (seen.has(key)) expect(p.v).toBe(seen.get(key));
          seen.set(key, p.v);
        }
      }
      if (app.granted !== '1d') {
        // a day is the sum of its hours: no piece is left over to difference out
        const hours = new Map(
          report.reads
            .filter((r) => r.resolution === '1h')
            .flatMap((r) => r.points.map((p) => [p.t, p.v] as const)),
        );
        const days = report.reads.filter((r) => r.resolution === '1d').flatMap((r) => r.points);
        let whole = 0;
        for (const d of days) {
          const parts = Array.from({ length: 24 }, (_, i) => hours.get(d.t + i * HOUR));
          if (parts.some((v) => v === undefined)) continue;
          whole++;
          expect(Math.abs((parts as number[]).reduce((s, v) => s + v, 0) - d.v)).toBeLessThanOrEqual(
            1e-9 * d.v,
          );
        }
        expect(whole).toBeGreaterThan(0);
      }
    }, 60_000);
  }
});
