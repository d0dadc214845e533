import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../box/errors.ts';
import { parseEspiFeed } from '../../../drivers/greenbutton/espi-parser.ts';
import type { EspiReading } from '../../../drivers/greenbutton/espi-types.ts';
import { describeWithSharedFixtures, sharedFixture } from '../../helpers/shared-fixtures.ts';

const SAMPLE = 'greenbutton/espi_gba_sample_TestGBDataHourlyNineDaysBinnedDaily.xml';
const TINY = new URL('../../fixtures/greenbutton/espi_tiny_prefixed_multiplier.xml', import.meta.url);

async function collect(iterable: AsyncIterable<EspiReading>): Promise<EspiReading[]> {
  const out: EspiReading[] = [];
  for await (const r of iterable) out.push(r);
  return out;
}

describeWithSharedFixtures('parseEspiFeed on the GBA sample (SOURCES.md §2)', () => {
  it('streams 216 hourly readings from a file read in small chunks', async () => {
    const feed = parseEspiFeed(createReadStream(sharedFixture(SAMPLE), { highWaterMark: 997 }));
    const readings = await collect(feed);
    expect(readings).toHaveLength(216);
    expect(feed.metadata.readingCount).toBe(216);
    expect(readings[0]).toMatchObject({
      start: Date.parse('2014-01-01T05:00:00Z'),
      durationS: 3600,
      value: 273,
      valueWh: 273,
      uom: 72,
      cost: 819,
    });
    const last = readings[readings.length - 1];
    expect(last.start + last.durationS * 1000).toBe(Date.parse('2014-01-10T05:00:00Z'));
    const wh = readings.map((r) => r.valueWh ?? Number.NaN);
    expect(wh.reduce((a, b) => a + b, 0)).toBe(199_563);
    expect(Math.min(...wh)).toBe(273);
    expect(Math.max(...wh)).toBe(1365);
    expect(readings.reduce((a, r) => a + (r.cost ?? 0), 0)).toBe(2_205_567);
  });

  it('gives daily totals by local (EST) date using LocalTimeParameters', async () => {
    const feed = parseEspiFeed(createReadStream(sharedFixture(SAMPLE)));
    const readings = await collect(feed);
    const tz = feed.metadata.localTime?.tzOffsetS;
    expect(tz).toBe(-18000);
    const days = new Map<string, { wh: number; cost: number }>();
    for (const r of readings) {
      const day = new Date(r.start + (tz ?? 0) * 1000).toISOString().slice(0, 10);
      const d = days.get(day) ?? { wh: 0, cost: 0 };
      d.wh += r.valueWh ?? 0;
      d.cost += r.cost ?? 0;
      days.set(day, d);
    }
    expect([...days.keys()][0]).toBe('2014-01-01');
    expect([...days.values()].map((d) => d.wh)).toEqual([
      21021, 21021, 22113, 26208, 25116, 21021, 21021, 21021, 21021,
    ]);
    expect([...days.values()].map((d) => d.cost)).toEqual([
      256347, 256347, 220311, 205569, 241605, 256347, 256347, 256347, 256347,
    ]);
  });

  it('reads the ReadingType and not the nested fields of the usage summary', async () => {
    const feed = parseEspiFeed(readFileSync(sharedFixture(SAMPLE)));
    await collect(feed);
    expect(feed.metadata.readingTypes).toHaveLength(1);
    expect(feed.metadata.readingTypes[0]).toMatchObject({
      uom: 72,
      powerOfTenMultiplier: 0,
      intervalLength: 3600,
      currency: 840,
      flowDirection: 1,
    });
    expect(feed.metadata.warnings).toEqual([]);
  });
});

describe('parseEspiFeed on the tiny espi:-prefixed feed (test/fixtures/greenbutton)', () => {
  it('scales by each MeterReading’s own ReadingType, waiting for one that comes later', async () => {
    const feed = parseEspiFeed(Readable.from([readFileSync(TINY)]));
    const readings = await collect(feed);
    // MeterReading 02 (ReadingType 08, multiplier 0, reverse flow) resolves at once; 01 waits for 07.
    expect(readings.map((r) => [r.start, r.valueWh, r.cost, r.readingType?.flowDirection])).toEqual([
      [Date.parse('2024-01-01T00:00:00Z'), 7, undefined, 19],
      [Date.parse('2024-01-01T00:00:00Z'), 1.5, 30, 1],
      [Date.parse('2024-01-01T00:15:00Z'), 2.25, 45, 1],
      [Date.parse('2024-01-01T00:30:00Z'), 0.125, undefined, 1],
    ]);
    expect(readings[1].readingType).toMatchObject({
      powerOfTenMultiplier: -3,
      currency: 978,
      intervalLength: 900,
    });
    expect(feed.metadata.localTime).toEqual({
      tzOffsetS: 3600,
      dstOffsetS: 3600,
      dstStartRule: '360E2000',
      dstEndRule: 'B40E2000',
    });
    expect(feed.metadata.readingTypes).toHaveLength(2);
  });

  it('handles a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from(readFileSync(TINY, 'utf8').replace('Tiny ESPI feed', 'Tiny ESPI feed – €'));
    const split = bytes.indexOf(Buffer.from('€')) + 1;
    const readings = await collect(
      parseEspiFeed(Readable.from([bytes.subarray(0, split), bytes.subarray(split)])),
    );
    expect(readings).toHaveLength(4);
  });
});

describe('parseEspiFeed on odd input', () => {
  const block = (values: string) => `<IntervalBlock xmlns="http://naesb.org/espi">${values}</IntervalBlock>`;
  const reading = (start: number, value: string) =>
    `<IntervalReading><timePeriod><duration>3600</duration><start>${start}</start></timePeriod><value>${value}</value></IntervalReading>`;

  it('reads a bare IntervalBlock with no ReadingType, unscaled and with a warning', async () => {
    const feed = parseEspiFeed(block(reading(0, '5') + reading(3600, '6')));
    const readings = await collect(feed);
    expect(readings.map((r) => [r.start, r.value, r.uom, r.valueWh])).toEqual([
      [0, 5, null, undefined],
      [3_600_000, 6, null, undefined],
    ]);
    expect(feed.metadata.warnings[0]).toMatch(/no ReadingType/);
  });

  it('rejects malformed XML and non-numeric values with a BadRequestError', async () => {
    await expect(collect(parseEspiFeed('<feed><entry></feed>'))).rejects.toThrow(BadRequestError);
    await expect(collect(parseEspiFeed(block(reading(0, 'abc'))))).rejects.toThrow(
      /value at line 1 is not a number/,
    );
    await expect(
      collect(parseEspiFeed(block('<IntervalReading><value>1</value></IntervalReading>'))),
    ).rejects.toThrow(/lacks timePeriod/);
  });
});
