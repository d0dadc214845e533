import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../../box/store/store.ts';
import { KWH_PER_THERM } from '../../../drivers/greenbutton/espi-map.ts';
import { importGreenButton } from '../../../drivers/imports/greenbutton-import.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

/**
 * Green Button gas and water, in the layout of test/fixtures/greenbutton/espi_tiny_prefixed_multiplier.xml
 * (NAESB ESPI element names): a gas feed in therms with powerOfTenMultiplier −3 (as utilities send
 * it) once imported 0 readings and exited 0 with only a note (issue 16).
 */
const tempDir = useTempDir();
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

const T0 = 1_704_067_200; // 2024-01-01T00:00Z, seconds

function feed(
  type: { uom: number; commodity: number; pow: number; currency?: number },
  values: Array<[number, number, number?]>,
): string {
  const readings = values
    .map(
      ([offsetS, value, cost]) =>
        `<espi:IntervalReading>${cost === undefined ? '' : `<espi:cost>${cost}</espi:cost>`}<espi:timePeriod><espi:duration>3600</espi:duration><espi:start>${T0 + offsetS}</espi:start></espi:timePeriod><espi:value>${value}</espi:value></espi:IntervalReading>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:espi="http://naesb.org/espi">
  <entry>
    <link rel="self" href="https://example.test/espi/1_1/resource/RetailCustomer/9/UsagePoint/2/MeterReading/01"/>
    <link rel="related" href="https://example.test/espi/1_1/resource/ReadingType/09"/>
    <content><espi:MeterReading/></content>
  </entry>
  <entry>
    <link rel="self" href="https://example.test/espi/1_1/resource/ReadingType/09"/>
    <content><espi:ReadingType>
      <espi:accumulationBehaviour>4</espi:accumulationBehaviour>
      <espi:commodity>${type.commodity}</espi:commodity>
      ${type.currency === undefined ? '' : `<espi:currency>${type.currency}</espi:currency>`}
      <espi:flowDirection>1</espi:flowDirection>
      <espi:intervalLength>3600</espi:intervalLength>
      <espi:kind>12</espi:kind>
      <espi:powerOfTenMultiplier>${type.pow}</espi:powerOfTenMultiplier>
      <espi:uom>${type.uom}</espi:uom>
    </espi:ReadingType></content>
  </entry>
  <entry>
    <link rel="self" href="https://example.test/espi/1_1/resource/RetailCustomer/9/UsagePoint/2/MeterReading/01/IntervalBlock/1"/>
    <content><espi:IntervalBlock>
${readings}
    </espi:IntervalBlock></content>
  </entry>
</feed>
`;
}

function setup(xml: string) {
  const file = join(tempDir(), 'feed.xml');
  writeFileSync(file, xml);
  const store = Store.open(':memory:');
  stores.push(store);
  return { file, store };
}
const ALL = { from: 0, to: Date.UTC(2030, 0, 1), resolution: 'raw', aggregate: 'mean' } as const;

describe('Green Button gas and water imports', () => {
  it('imports gas in therms (×10^−3) as kWh per interval, its cost, and reports the gap', async () => {
    // 1.234, 0.5 and (after a missing hour) 2.0 therms; costs in hundred-thousandths of USD
    const { file, store } = setup(
      feed({ uom: 169, commodity: 7, pow: -3, currency: 840 }, [
        [0, 1234, 150_000],
        [3600, 500, 60_000],
        [3 * 3600, 2000, 240_000],
      ]),
    );
    const summary = await importGreenButton(store, file);
    expect(summary.datasources).toEqual(['greenbutton.gas.interval', 'greenbutton.gas.interval.cost']);
    expect(summary.written).toBe(6);
    expect(store.getDatasource('greenbutton.gas.interval')).toMatchObject({
      kind: 'gas.energy.interval',
      unit: 'kWh',
      valueType: 'gauge',
    });
    const gas = store.read('greenbutton.gas.interval', ALL);
    expect(gas.map((r) => r.t)).toEqual([T0 * 1000, (T0 + 3600) * 1000, (T0 + 3 * 3600) * 1000]);
    const therms = [1.234, 0.5, 2];
    for (const [i, r] of gas.entries()) expect(r.v).toBeCloseTo(therms[i] * KWH_PER_THERM, 9);
    expect(store.read('greenbutton.gas.interval.cost', ALL).map((r) => r.v)).toEqual([1.5, 0.6, 2.4]);
    expect(store.getDatasource('greenbutton.gas.interval.cost').unit).toBe('USD');
    expect(summary.gaps).toEqual([
      {
        datasource: 'greenbutton.gas.interval',
        start: (T0 + 2 * 3600) * 1000,
        end: (T0 + 3 * 3600) * 1000,
        missing: 1,
      },
    ]);
  });

  it('imports m³ of water (commodity 9) and of gas (commodity 7) as separate volume series', async () => {
    const water = setup(feed({ uom: 42, commodity: 9, pow: -3 }, [[0, 125]]));
    await importGreenButton(water.store, water.file);
    expect(water.store.getDatasource('greenbutton.water.interval')).toMatchObject({
      kind: 'water.volume.interval',
      unit: 'm³',
    });
    expect(water.store.read('greenbutton.water.interval', ALL)).toEqual([{ t: T0 * 1000, v: 0.125 }]);
    const gas = setup(feed({ uom: 42, commodity: 7, pow: 0 }, [[0, 3]]));
    await importGreenButton(gas.store, gas.file);
    expect(gas.store.read('greenbutton.gas.volume.interval', ALL)).toEqual([{ t: T0 * 1000, v: 3 }]);
  });

  it('refuses a file with nothing it can import, saying what it found, and stores nothing', async () => {
    const watts = setup(feed({ uom: 38, commodity: 1, pow: 0 }, [[0, 500]]));
    await expect(importGreenButton(watts.store, watts.file)).rejects.toThrow(
      /nothing to import: the file has 1 readings, none in a unit this import handles \(1 readings in uom 38/,
    );
    // an Apple Health export handed to the wrong importer
    const health = setup(
      '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_GB"><Record type="HKQuantityTypeIdentifierStepCount" value="12"/></HealthData>\n',
    );
    await expect(importGreenButton(health.store, health.file)).rejects.toThrow(
      /no IntervalReading at all: is this a Green Button \(ESPI\) file\?/,
    );
    expect(health.store.listDatasources()).toEqual([]);
  });
});
