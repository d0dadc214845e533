import { describe, expect, it } from 'vitest';
import { DATASOURCE_ID_PATTERN } from '../../../box/store/types.ts';
import { espiDatasource, espiSample } from '../../../drivers/greenbutton/espi-map.ts';
import type { EspiReading, EspiReadingType } from '../../../drivers/greenbutton/espi-types.ts';

const readingType = (flowDirection: number): EspiReadingType => ({
  href: null,
  uom: 72,
  powerOfTenMultiplier: 0,
  intervalLength: 3600,
  currency: 840,
  flowDirection,
  commodity: 1,
  kind: 12,
  accumulationBehaviour: 4,
});

describe('espiDatasource / espiSample', () => {
  it('describes an interval-energy gauge in kWh, import or export by flow direction', () => {
    const imp = espiDatasource(readingType(1), { driver: 'gb' });
    expect(imp).toMatchObject({
      id: 'greenbutton.electricity.import.interval',
      kind: 'electricity.import.energy.interval',
      unit: 'kWh',
      valueType: 'gauge',
      driver: 'gb',
    });
    expect(imp.id).toMatch(DATASOURCE_ID_PATTERN);
    expect(espiDatasource(readingType(19), { prefix: 'utility' }).id).toBe(
      'utility.electricity.export.interval',
    );
  });

  it('maps a Wh reading to kWh at the interval start, and skips other units', () => {
    const r: EspiReading = {
      start: 1388552400000,
      durationS: 3600,
      value: 273,
      uom: 72,
      valueWh: 273,
      readingType: readingType(1),
    };
    expect(espiSample(r)).toEqual({
      sourceId: 'greenbutton.electricity.import.interval',
      t: 1388552400000,
      v: 0.273,
    });
    expect(espiSample({ ...r, value: 0.125, valueWh: 0.125 })?.v).toBe(0.000125);
    expect(espiSample({ ...r, uom: 42, valueWh: undefined })).toBeNull();
  });
});
