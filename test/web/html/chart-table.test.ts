import { describe, expect, it } from 'vitest';
import { LocalTime } from '../../../box/time/local-time.ts';
import { chartTable, TABLE_ROWS } from '../../../box/web/html/chart-table.ts';
import { insightCard } from '../../../box/web/html/insight-card.ts';

const lt = new LocalTime({ timeZone: 'Europe/Amsterdam', locale: 'nl-NL' });
// 2026-10-25 00:00 and 01:00 UTC: 02:00 CEST and 02:00 CET, the hour that happens twice
const T = Date.UTC(2026, 9, 25, 0) / 1000;

describe('the table behind a chart', () => {
  it('lists every value at its local time, with the zone and each series unit in the headings', async () => {
    const html = String(
      await chartTable(
        {
          series: [
            { label: 'Used', unit: 'kWh' },
            { label: 'Returned', unit: 'kWh' },
          ],
          x: [T, T + 3600],
          ys: [
            [1.25, 0.5],
            [null, 0.125],
          ],
        },
        { lt, timeHeading: 'From' },
      ),
    );
    expect(html).toContain('<th scope="col">From (Europe/Amsterdam (CEST))</th>');
    expect(html).toContain('<th scope="col">Used (kWh)</th><th scope="col">Returned (kWh)</th>');
    // the twice-happening 02:00 tells its two rows apart by offset
    expect(html).toContain('<time datetime="2026-10-25T02:00:00+02:00">25 okt 2026, 02:00</time>');
    expect(html).toContain('<time datetime="2026-10-25T02:00:00+01:00">25 okt 2026, 02:00</time>');
    expect(html.match(/<tr><th scope="row">/g)).toHaveLength(2);
    // a gap is a dash, numbers in the box locale (decimal comma)
    expect(html).toContain('<td class="num">1,25</td><td class="num">—</td>');
  });

  it('gives a long series its first, last, lowest and highest values, and says so', async () => {
    const n = TABLE_ROWS * 3;
    const x = Array.from({ length: n }, (_, i) => T + i * 60);
    const ys = [x.map((_, i) => (i === 700 ? 99 : i === 900 ? -5 : 1))];
    const html = String(await chartTable({ series: [{ label: 'Power', unit: 'W' }], x, ys }, { lt }));
    expect(html).toContain(`${n} values: the first, the last, and the lowest and highest`);
    const values = [...html.matchAll(/<td class="num">([^<]+)<\/td>/g)].map((m) => m[1]);
    expect(values).toEqual(['1', '99', '-5', '1']);
  });

  it('is empty without values', async () => {
    expect(String(await chartTable({ series: [{ label: 'x' }], x: [], ys: [[]] }, { lt }))).toBe('');
  });

  it('stands behind an insight chart', async () => {
    const html = String(
      await insightCard({
        insightId: 7,
        key: 'daily-use',
        title: 'Daily use',
        value: 12,
        unit: 'kWh',
        summary: null,
        runId: 'abcdef123456',
        createdAt: T * 1000,
        data: {
          days: [
            { date: '2026-10-24', kWh: 11.5 },
            { date: '2026-10-25', kWh: 12.5 },
          ],
        },
      } as unknown as Parameters<typeof insightCard>[0]),
    );
    expect(html).toContain('data-chart="insight-7" aria-hidden="true"');
    expect(html).toContain('<summary>Table of these values</summary>');
    expect(html).toContain('<th scope="col">days (kWh)</th>');
  });
});
