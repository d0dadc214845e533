import { describe, expect, it } from 'vitest';
import { saveTimeSettings } from '../../../box/time/time-settings.ts';
import { dashboard, ORIGIN } from '../dashboard-client.ts';

const T0 = Date.UTC(2024, 1, 1);

async function withReadings() {
  const d = await dashboard();
  d.store.createDatasource(
    { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  // one reading a minute for 2 hours: 120 readings, 60 in the first hour
  d.store.writeReadings(
    'meter.power',
    Array.from({ length: 120 }, (_, i) => ({ t: T0 + i * 60_000, v: 100 + i })),
    'user',
  );
  await d.signIn();
  return d;
}

describe('the Data screen', () => {
  it('charts the chosen range at the chosen resolution', async () => {
    const { request } = await withReadings();
    const html = await (
      await request('/data/meter.power?from=2024-02-01T00:00&to=2024-02-01T02:00&resolution=15min')
    ).text();
    const json = /<script type="application\/json" id="chart-meter.power">(.*?)<\/script>/s.exec(html)?.[1];
    const chart = JSON.parse(json ?? '{}') as { x: number[]; ys: number[][] };
    // 8 quarter hours; the first holds readings 100..114, mean 107
    expect(chart.x).toHaveLength(8);
    expect(chart.x[0]).toBe(T0 / 1000);
    expect(chart.ys[0][0]).toBe(107);
    expect(html).toContain('8 mean per 15min');
  });

  it('sums interval energy per local day (Octopus half hours), with dates in the box zone', async () => {
    const d = await dashboard();
    saveTimeSettings(d.store, { timeZone: 'Europe/Amsterdam', locale: 'nl-NL' });
    d.store.createDatasource(
      { id: 'octopus.import', kind: 'electricity.import.energy.interval', unit: 'kWh', valueType: 'gauge' },
      'user',
    );
    // two local days of half hours (00:00 Amsterdam = 23:00 UTC in winter), 0.25 kWh each
    const start = Date.UTC(2024, 0, 9, 23);
    d.store.writeReadings(
      'octopus.import',
      Array.from({ length: 96 }, (_, i) => ({ t: start + i * 1_800_000, v: 0.25 })),
      'user',
    );
    await d.signIn();
    const html = await (
      await d.request('/data/octopus.import?from=2024-01-10T00:00&to=2024-01-12T00:00&resolution=1d')
    ).text();
    const json = /<script type="application\/json" id="chart-octopus.import">(.*?)<\/script>/s.exec(
      html,
    )?.[1];
    const chart = JSON.parse(json ?? '{}') as { x: number[]; ys: number[][]; timeZone: string };
    // 12 kWh a day (48 × 0.25), not the 0.25 "1d mean" the page showed before
    expect(chart.ys[0]).toEqual([12, 12]);
    expect(chart.x[0]).toBe(start / 1000);
    expect(chart.timeZone).toBe('Europe/Amsterdam');
    expect(html).toContain('total per 1d');
    expect(html).toContain('From (Europe/Amsterdam (CET))');
    expect(html).toContain('value="2024-01-10T00:00"');
  });

  it('erases a range only with the confirmation ticked, and audits it', async () => {
    const { request, formToken, store } = await withReadings();
    const token = await formToken('/data/meter.power');
    const form = { _csrf: token, from: '2024-02-01T00:00', to: '2024-02-01T01:00' };
    const refused = await request('/data/meter.power/erase', { form, headers: { origin: ORIGIN } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('tick the box');
    expect(
      store.read('meter.power', { from: T0, to: T0 + 7_200_000, resolution: 'raw', aggregate: 'mean' }),
    ).toHaveLength(120);

    const done = await request('/data/meter.power/erase', {
      form: { ...form, confirm: 'yes' },
      headers: { origin: ORIGIN },
    });
    expect(done.status).toBe(303);
    const left = store.read('meter.power', {
      from: T0,
      to: T0 + 7_200_000,
      resolution: 'raw',
      aggregate: 'mean',
    });
    expect(left).toHaveLength(60);
    expect(left[0].t).toBe(T0 + 3_600_000);
    const [entry] = store.audit.query({ action: 'readings.erase' });
    expect(entry).toMatchObject({
      actor: 'user',
      subject: 'meter.power',
      details: { from: T0, to: T0 + 3_600_000, readings: 60 },
    });
  });

  it('sets and clears raw retention', async () => {
    const { request, formToken, store } = await withReadings();
    const token = await formToken('/data/meter.power');
    const bad = await request('/data/meter.power/retention', {
      form: { _csrf: token, raw: '30 days' },
      headers: { origin: ORIGIN },
    });
    expect(bad.status).toBe(400);
    await request('/data/meter.power/retention', {
      form: { _csrf: token, raw: 'P30D' },
      headers: { origin: ORIGIN },
    });
    expect(store.getDatasource('meter.power').retention.raw).toBe('P30D');
    await request('/data/meter.power/retention', {
      form: { _csrf: token, raw: '' },
      headers: { origin: ORIGIN },
    });
    expect(store.getDatasource('meter.power').retention.raw).toBeNull();
  });
});
