/**
 * Shapes produced by the Green Button (NAESB ESPI) parser. ESPI times are Unix seconds (UTC); the
 * parser turns them into ms. Raw numbers keep ESPI's own units: `uom` codes (72 = Wh, 38 = W,
 * 42 = m³, 169 = therm), `currency` ISO 4217 numeric codes (840 = USD), and `cost` in
 * hundred-thousandths of the currency (819 = $0.00819).
 */

/** ReadingType: what the interval values of a MeterReading mean. */
export interface EspiReadingType {
  /** The entry's `self` link, used to tie MeterReadings to it; `null` when the feed has none. */
  href: string | null;
  uom: number | null;
  /** Values are multiplied by 10^powerOfTenMultiplier (default 0). */
  powerOfTenMultiplier: number;
  /** Seconds per interval, e.g. 3600. */
  intervalLength: number | null;
  currency: number | null;
  /** 1 = forward (delivered to the customer), 19 = reverse (fed back to the grid). */
  flowDirection: number | null;
  commodity: number | null;
  kind: number | null;
  accumulationBehaviour: number | null;
}

/** LocalTimeParameters: the customer's time zone, for local-day grouping. */
export interface EspiLocalTime {
  /** Offset from UTC in seconds, standard time (e.g. −18000 for US Eastern). */
  tzOffsetS: number;
  dstOffsetS: number | null;
  dstStartRule: string | null;
  dstEndRule: string | null;
}

/** One IntervalReading, scaled by its ReadingType. */
export interface EspiReading {
  /** Interval start, ms UTC. */
  start: number;
  durationS: number;
  /** The value times 10^powerOfTenMultiplier, in the ReadingType's `uom`. */
  value: number;
  uom: number | null;
  /** Energy in Wh when `uom` is 72 (Wh); absent for other units. */
  valueWh?: number;
  /** Cost in hundred-thousandths of the ReadingType's currency, when the feed gives one. */
  cost?: number;
  /** The ReadingType the value was scaled with; `null` when the feed had none (then unscaled). */
  readingType: EspiReadingType | null;
}

/** What the feed said besides the readings; complete once iteration has finished. */
export interface EspiMetadata {
  readingTypes: EspiReadingType[];
  localTime: EspiLocalTime | null;
  /** Number of readings yielded. */
  readingCount: number;
  /** Things the parser had to guess, e.g. readings with no ReadingType to scale them. */
  warnings: string[];
}
