import type { Aggregate, ValueType } from '../store/types.ts';

/**
 * Gauges whose every reading is an amount for its own interval (kWh in a half hour from an
 * Octopus or Green Button import, money per interval, steps per minute): their natural total
 * over a longer bucket is the sum, not the mean.
 */
const PER_INTERVAL = [/\.interval$/, /^health\.steps$/];

/**
 * How a datasource's readings combine into one value per bucket, so a day reads as a person
 * expects: an energy register (a counter, kWh so far) takes its consumption (`delta`, resets
 * handled by the store); interval energy or cost (`*.interval` gauges, kWh or GBP per interval)
 * sums; everything else (power, temperature, humidity, prices, occupancy) is a level and means.
 * The dashboard, the CLI's default and the energy screen all use this one rule.
 *
 * @example
 * ```ts
 * naturalAggregate('electricity.import.energy', 'counter'); // 'delta'
 * naturalAggregate('electricity.import.energy.interval', 'gauge'); // 'sum' (11–14 kWh a day, not 0.23)
 * naturalAggregate('electricity.import.power', 'gauge'); // 'mean'
 * ```
 */
export function naturalAggregate(kind: string, valueType: ValueType): Aggregate {
  if (valueType === 'counter') return 'delta';
  if (PER_INTERVAL.some((p) => p.test(kind))) return 'sum';
  return 'mean';
}

/** The aggregate in words, for chart captions: "kWh used per day", "mean per hour". */
export function aggregateWords(aggregate: Aggregate): string {
  switch (aggregate) {
    case 'delta':
      return 'used';
    case 'sum':
      return 'total';
    case 'mean':
      return 'mean';
    default:
      return aggregate;
  }
}
