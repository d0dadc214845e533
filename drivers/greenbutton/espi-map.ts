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

/** ESPI `uom` codes this mapping imports. */
export const UOM = { wh: 72, cubicMetre: 42, therm: 169 } as const;
/** ESPI CommodityKind codes that decide what a cubic metre is. */
const COMMODITY = { naturalGas: 7, propane: 8, potableWater: 9 } as const;
/** One therm is 100,000 BTU = 105.505585262 MJ = 29.307107017 kWh (the US therm of Green Button feeds). */
export const KWH_PER_THERM = 29.307107017;
/** ISO 4217 numeric → alphabetic codes for the currencies Green Button feeds use. */
const CURRENCIES: Record<number, string> = { 840: 'USD', 124: 'CAD', 826: 'GBP', 978: 'EUR', 36: 'AUD' };

/** Moves the decimal point in text, so 273 Wh is exactly 0.273 kWh (273 / 1000 is too). */
function shift(value: number, places: number): number {
  const text = String(value);
  return text.includes('e') ? value * 10 ** places : Number(`${text}e${places}`);
}

/** ESPI flowDirection 19 is "reverse": energy the customer fed back to the grid. */
function direction(readingType: EspiReadingType | null): 'import' | 'export' {
  return readingType?.flowDirection === 19 ? 'export' : 'import';
}

/** What one ReadingType's values become: a datasource and the conversion into its unit. */
export interface EspiSeries {
  spec: DatasourceSpec;
  convert: (value: number) => number;
}

/**
 * The datasource a Green Button MeterReading feeds, by its ReadingType's unit and commodity, or
 * `null` for a unit this mapping does not cover (W, VAr, …: counted in the import's notes):
 * - Wh (uom 72): `<prefix>.electricity.import.interval` (or `.export.` for reverse flow), kind
 *   `electricity.import.energy.interval`, a **gauge in kWh** whose reading at `t` is the energy of
 *   the interval starting at `t`;
 * - therm (uom 169): `<prefix>.gas.interval`, kind `gas.energy.interval`, kWh per interval
 *   (1 therm = 29.307107017 kWh);
 * - m³ (uom 42): `<prefix>.gas.volume.interval` (kind `gas.volume.interval`) for natural gas or
 *   propane, `<prefix>.water.interval` (kind `water.volume.interval`) for water; m³ per interval.
 *
 * Why per-interval gauges and not cumulative counters: an ESPI file carries interval values, never
 * a meter register. A counter would have to be invented by summing from the first imported interval,
 * so its value would depend on which files were imported and in which order, and a late file that
 * fills a gap would shift every later value. A rollup `sum` gives the energy per hour or day directly.
 *
 * @example
 * ```ts
 * espiSeries(feed.metadata.readingTypes[0], { driver: 'gb-import' })?.spec;
 * // { id: 'greenbutton.electricity.import.interval', kind: 'electricity.import.energy.interval',
 * //   unit: 'kWh', valueType: 'gauge', … }
 * ```
 */
export function espiSeries(
  readingType: EspiReadingType | null,
  opts: EspiMapOptions = {},
): EspiSeries | null {
  const prefix = opts.prefix ?? 'greenbutton';
  const minutes = readingType?.intervalLength ? ` (${readingType.intervalLength / 60}-minute intervals)` : '';
  const driver = opts.driver ? { driver: opts.driver } : {};
  const uom = readingType?.uom ?? null;
  if (uom === UOM.wh) {
    const dir = direction(readingType);
    return {
      spec: {
        id: `${prefix}.electricity.${dir}.interval`,
        kind: `electricity.${dir}.energy.interval`,
        unit: 'kWh',
        valueType: 'gauge',
        description: `Electricity ${dir === 'import' ? 'used' : 'fed back'} per interval${minutes}, from Green Button data`,
        ...driver,
      },
      convert: (wh) => shift(wh, -3),
    };
  }
  if (uom === UOM.therm)
    return {
      spec: {
        id: `${prefix}.gas.interval`,
        kind: 'gas.energy.interval',
        unit: 'kWh',
        valueType: 'gauge',
        description: `Gas used per interval${minutes}, from Green Button data in therms (1 therm = ${KWH_PER_THERM} kWh)`,
        ...driver,
      },
      convert: (therms) => therms * KWH_PER_THERM,
    };
  if (uom === UOM.cubicMetre) {
    const water = readingType?.commodity === COMMODITY.potableWater;
    if (
      !water &&
      readingType?.commodity !== COMMODITY.naturalGas &&
      readingType?.commodity !== COMMODITY.propane
    )
      return null;
    return {
      spec: {
        id: water ? `${prefix}.water.interval` : `${prefix}.gas.volume.interval`,
        kind: water ? 'water.volume.interval' : 'gas.volume.interval',
        unit: 'm³',
        valueType: 'gauge',
        description: `${water ? 'Water' : 'Gas'} used per interval${minutes}, from Green Button data`,
        ...driver,
      },
      convert: (m3) => m3,
    };
  }
  return null;
}

/** The datasource of the electricity series (Wh) of `readingType` — see {@link espiSeries}. */
export function espiDatasource(
  readingType: EspiReadingType | null,
  opts: EspiMapOptions = {},
): DatasourceSpec {
  return (espiSeries({ ...(readingType ?? BLANK_TYPE), uom: UOM.wh }, opts) as EspiSeries).spec;
}

const BLANK_TYPE: EspiReadingType = {
  href: null,
  uom: null,
  powerOfTenMultiplier: 0,
  intervalLength: null,
  currency: null,
  flowDirection: null,
  commodity: null,
  kind: null,
  accumulationBehaviour: null,
};

/**
 * The cost series beside a series: `<series id>.cost`, kind `cost.<series kind>`, a gauge in the
 * ReadingType's currency (ESPI `cost` is in hundred-thousandths of it: 819 → 0.00819 USD).
 */
export function espiCostDatasource(
  series: DatasourceSpec,
  readingType: EspiReadingType | null,
): DatasourceSpec {
  const currency = readingType?.currency ?? null;
  return {
    id: `${series.id}.cost`,
    kind: `cost.${series.kind}`,
    unit: currency === null ? '' : (CURRENCIES[currency] ?? `ISO4217-${currency}`),
    valueType: 'gauge',
    description: `Cost per interval of ${series.id}, from Green Button data`,
    ...(series.driver && { driver: series.driver }),
  };
}

/**
 * Maps one reading to store samples: the value at the interval start in the series' unit, and its
 * cost when the feed gives one. Returns `[]` for a unit {@link espiSeries} does not cover.
 *
 * @example
 * ```ts
 * for await (const r of parseEspiFeed(stream)) {
 *   espiSamples(r); // [{ sourceId: 'greenbutton.electricity.import.interval', t: 1388552400000, v: 0.273 },
 *                   //  { sourceId: 'greenbutton.electricity.import.interval.cost', t: 1388552400000, v: 0.00819 }]
 * }
 * ```
 */
export function espiSamples(reading: EspiReading, opts: EspiMapOptions = {}): EspiSample[] {
  const series = espiSeries(reading.readingType ?? { ...BLANK_TYPE, uom: reading.uom }, opts);
  if (!series) return [];
  const out = [{ sourceId: series.spec.id, t: reading.start, v: series.convert(reading.value) }];
  if (reading.cost !== undefined)
    out.push({ sourceId: `${series.spec.id}.cost`, t: reading.start, v: shift(reading.cost, -5) });
  return out;
}

/** The electricity sample of a Wh reading, or `null` for other units (kept for callers of one series). */
export function espiSample(reading: EspiReading, opts: EspiMapOptions = {}): EspiSample | null {
  if (reading.valueWh === undefined) return null;
  return {
    sourceId: espiDatasource(reading.readingType, opts).id,
    t: reading.start,
    v: shift(reading.valueWh, -3),
  };
}
