import type { DatasourceSpec } from '../../box/store/types.ts';
import type { EspiReading, EspiReadingType } from './espi-types.ts';

/** One numeric value for the store: `t` ms UTC, `v` in the datasource's unit. */
export interface EspiSample {
  sourceId: string;
  t: number;
  v: number;
}

export interface EspiMapOptions {
  /** Prefix of the datasource id (default `greenbutton`). */
  prefix?: string;
  /** Driver instance id written into the datasource spec. */
  driver?: string;
}

/** Wh → kWh by moving the decimal point in text, so 273 Wh is exactly 0.273 (273 / 1000 is too). */
function whToKwh(wh: number): number {
  const text = String(wh);
  return text.includes('e') ? wh / 1000 : Number(`${text}e-3`);
}

/** ESPI flowDirection 19 is "reverse": energy the customer fed back to the grid. */
function direction(readingType: EspiReadingType | null): 'import' | 'export' {
  return readingType?.flowDirection === 19 ? 'export' : 'import';
}

/**
 * The datasource a Green Button MeterReading feeds: `<prefix>.electricity.import.interval`
 * (or `.export.` for reverse flow), kind `electricity.import.energy.interval`, a **gauge in kWh**
 * whose reading at `t` is the energy used in the interval starting at `t`.
 *
 * Why a per-interval gauge and not a cumulative counter: an ESPI file carries interval energies,
 * never a meter register. A counter would have to be invented by summing from the first imported
 * interval, so its value would depend on which files were imported and in which order, and a
 * late file that fills a gap (utilities revise data) would shift every later value. Interval
 * values stay true on their own; a rollup `sum` over them gives the energy per hour or day
 * directly, and gaps stay visible as gaps.
 *
 * @example
 * ```ts
 * espiDatasource(feed.metadata.readingTypes[0], { driver: 'gb-import' });
 * // { id: 'greenbutton.electricity.import.interval', kind: 'electricity.import.energy.interval',
 * //   unit: 'kWh', valueType: 'gauge', … }
 * ```
 */
export function espiDatasource(
  readingType: EspiReadingType | null,
  opts: EspiMapOptions = {},
): DatasourceSpec {
  const dir = direction(readingType);
  const minutes = readingType?.intervalLength ? ` (${readingType.intervalLength / 60}-minute intervals)` : '';
  return {
    id: `${opts.prefix ?? 'greenbutton'}.electricity.${dir}.interval`,
    kind: `electricity.${dir}.energy.interval`,
    unit: 'kWh',
    valueType: 'gauge',
    description: `Electricity ${dir === 'import' ? 'used' : 'fed back'} per interval${minutes}, from Green Button data`,
    ...(opts.driver && { driver: opts.driver }),
  };
}

/**
 * Maps one reading to a store sample: `t` = interval start, `v` = kWh in the interval. Returns
 * `null` for readings that are not energy in Wh (uom other than 72), which this mapping does not cover.
 *
 * @example
 * ```ts
 * for await (const r of parseEspiFeed(stream)) {
 *   const sample = espiSample(r); // { sourceId: 'greenbutton.electricity.import.interval', t: 1388552400000, v: 0.273 }
 *   if (sample) batch.push(sample);
 * }
 * ```
 */
export function espiSample(reading: EspiReading, opts: EspiMapOptions = {}): EspiSample | null {
  if (reading.valueWh === undefined) return null;
  return {
    sourceId: espiDatasource(reading.readingType, opts).id,
    t: reading.start,
    v: whToKwh(reading.valueWh),
  };
}
