import { describe, expect, it } from 'vitest';
import { saveTimeSettings } from '../../../box/time/time-settings.ts';
import { dashboard } from '../dashboard-client.ts';

// the dashboard client's clock: 2024-03-01 00:00 UTC, 01:00 in Amsterdam (CET), 05:30 in Kolkata
const NOW = Date.UTC(2024, 2, 1);

async function amsterdam() {
  const d = await dashboard();
  saveTimeSettings(d.store, { timeZone: 'Europe/Amsterdam', locale: 'nl-NL' });
  d.store.createDatasource(
    { id: 'room.temperature', kind: 'temperature', unit: '°C', valueType: 'gauge' },
    'user',
  );
  d.store.writeReadings('room.temperature', [{ t: NOW - 60_000, v: 19.5 }], 'user');
  await d.signIn();
  return d;
}

const text = async (res: Response) => (await res.text()).replace(/\s+/g, ' ');

describe('times on every page are local and labelled', () => {
  it('shows the Overview and the Audit timeline in the box zone and locale, never UTC', async () => {
    const { request } = await amsterdam();
    const overview = await text(await request('/overview'));
    // the reading at 00:59 UTC is 00:59 in Amsterdam's winter time, day-first, 24-hour, Dutch
    expect(overview).toContain(
      '<time datetime="2024-03-01T00:59:00+01:00">1 mrt 2024, 00:59 <span class="zone">CET</span></time>',
    );
    expect(overview).not.toContain('UTC');
    const audit = await text(await request('/audit'));
    expect(audit).toContain(
      'datetime="2024-03-01T01:00:00+01:00">1 mrt 2024, 01:00 <span class="zone">CET</span>',
    );
    expect(audit).toContain('Since (Europe/Amsterdam (CET))');
    expect(audit).not.toMatch(/\d\d:\d\d UTC|\(UTC\)/);
  });

  it('reads the Audit filter times on the box clock', async () => {
    const d = await amsterdam();
    d.advance(45 * 60_000); // 01:45 Amsterdam (the session stays live)
    d.store.audit.append({ actor: 'user', action: 'test.later', subject: 'x', details: {} });
    // since 01:30 Amsterdam = 00:30 UTC: only the later entry; read as UTC it would be 01:30 UTC
    // and leave it out
    const after = await text(await d.request('/audit?action=test.*&since=2024-03-01T01:30'));
    expect(after).toContain('data-action="test.later"');
    const before = await text(await d.request('/audit?action=test.*&until=2024-03-01T01:30'));
    expect(before).not.toContain('data-action="test.later"');
    const bad = await d.request('/audit?since=yesterday');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain(
      'since: &quot;yesterday&quot; is not a date and time such as 2026-03-01T00:00 (Europe/Amsterdam)',
    );
  });

  it('follows another zone at once (Kolkata, +05:30)', async () => {
    const d = await amsterdam();
    saveTimeSettings(d.store, { timeZone: 'Asia/Kolkata', locale: 'en-GB' });
    const overview = await text(await d.request('/overview'));
    expect(overview).toContain(
      'datetime="2024-03-01T05:29:00+05:30">1 Mar 2024, 05:29 <span class="zone">GMT+5:30</span>',
    );
  });
});

describe('the home screen', () => {
  it('is the Overview without a meter, the Energy screen with one; Overview stays reachable', async () => {
    const d = await amsterdam();
    const before = await text(await d.request('/'));
    expect(before).toContain('<h1>Overview</h1>');
    expect(before).toContain('<a href="/overview" aria-current="page">Overview</a>');
    d.store.createDatasource(
      { id: 'meter.energy', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
      'user',
    );
    d.store.writeReadings(
      'meter.energy',
      [
        { t: NOW - 7_200_000, v: 100 },
        { t: NOW - 60_000, v: 101.5 },
      ],
      'user',
    );
    const home = await text(await d.request('/'));
    expect(home).toContain('<h1>Energy</h1>');
    expect(home).toContain('<a href="/energy" aria-current="page">Energy</a>');
    const overview = await text(await d.request('/overview'));
    expect(overview).toContain('<h1>Overview</h1>');
    expect(overview).toContain('meter.energy');
  });
});
