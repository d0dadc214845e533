import { createReadStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../box/errors.ts';
import { parseConsumptionCsv } from '../../../drivers/octopus/consumption-csv.ts';
import { gaps } from '../../../drivers/octopus/gaps.ts';

const FIXTURE = fileURLToPath(
  new URL('../../fixtures/octopus/octopus_dashboard_consumption_dst.csv', import.meta.url),
);
const t = (iso: string) => Date.parse(iso);

describe('parseConsumptionCsv on the built dashboard CSV (test/fixtures/octopus)', () => {
  it('reads the 8 good rows across the clock change, sorted, from a string', async () => {
    const { readings } = await parseConsumptionCsv(readFileSync(FIXTURE, 'utf8'));
    expect(readings.map((r) => r.kWh)).toEqual([0.21, 0.185, 0.15, 0.132, 0.128, 0.119, 0.097, 0.24]);
    expect(readings.reduce((a, r) => a + Math.round(r.kWh * 1000), 0)).toBe(1261);
    // The interval that crosses the BST change: 00:30+00:00 to 02:00+01:00 is 30 minutes.
    expect(readings[3]).toEqual({
      start: t('2023-03-26T00:30:00Z'),
      end: t('2023-03-26T01:00:00Z'),
      kWh: 0.132,
    });
    expect(readings[4].start).toBe(t('2023-03-26T01:00:00Z'));
  });

  it('reports the bad rows with their line numbers', async () => {
    const { errors } = await parseConsumptionCsv(readFileSync(FIXTURE));
    expect(errors.map((e) => [e.line, e.path])).toEqual([
      [7, 'line 7: Consumption (kWh)'],
      [9, 'line 9'],
      [11, 'line 11'],
    ]);
    expect(errors[0].message).toBe('not a non-negative number: "n/a"');
    expect(errors[1].message).toMatch(/expected 3 columns, found 2/);
    expect(errors[2].message).toBe('duplicate interval start');
  });

  it('gives the same result from a stream read 7 bytes at a time, and finds the gaps', async () => {
    const fromString = await parseConsumptionCsv(readFileSync(FIXTURE, 'utf8'));
    const fromStream = await parseConsumptionCsv(createReadStream(FIXTURE, { highWaterMark: 7 }));
    expect(fromStream).toEqual(fromString);
    expect(gaps(fromStream.readings, 30 * 60_000)).toEqual([
      { start: t('2023-03-26T01:30:00Z'), end: t('2023-03-26T02:30:00Z'), missing: 2 },
      { start: t('2023-03-26T03:00:00Z'), end: t('2023-03-26T03:30:00Z'), missing: 1 },
    ]);
  });
});

describe('parseConsumptionCsv on other layouts and bad files', () => {
  it('finds columns by name in any order and accepts LF and Z', async () => {
    const csv =
      'Start,End,Consumption (kWh)\n2023-01-01T00:30:00Z,2023-01-01T01:00:00Z,1.5\n2023-01-01T00:00:00Z,2023-01-01T00:30:00Z,0.5\n';
    const { readings, errors } = await parseConsumptionCsv(csv);
    expect(errors).toEqual([]);
    expect(readings).toEqual([
      { start: t('2023-01-01T00:00:00Z'), end: t('2023-01-01T00:30:00Z'), kWh: 0.5 },
      { start: t('2023-01-01T00:30:00Z'), end: t('2023-01-01T01:00:00Z'), kWh: 1.5 },
    ]);
  });

  it('rejects times without an offset and intervals that end before they start', async () => {
    const csv =
      ' Consumption (kWh), Start, End\n0.1, 2023-01-01T00:00:00, 2023-01-01T00:30:00Z\n0.1, 2023-01-01T01:00:00Z, 2023-01-01T00:30:00Z\n';
    const { readings, errors } = await parseConsumptionCsv(csv);
    expect(readings).toEqual([]);
    expect(errors.map((e) => e.path)).toEqual(['line 2: Start', 'line 3: End']);
  });

  it('throws for a missing header column or an empty file', async () => {
    await expect(parseConsumptionCsv('kWh, Start, End\n1, 2, 3\n')).rejects.toThrow(BadRequestError);
    await expect(parseConsumptionCsv('\uFEFF\r\n')).rejects.toThrow(/no header/);
  });
});
