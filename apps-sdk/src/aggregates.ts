/**
 * Aggregates a rollup read can return per bucket (the same list as the store's). `delta` is a
 * counter's consumption in the bucket (meter resets count from zero) or a gauge's change across it.
 *
 * @example
 * ```ts
 * AGGREGATES.includes('max'); // true
 * ```
 */
export const AGGREGATES = ['mean', 'min', 'max', 'sum', 'count', 'first', 'last', 'delta'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/** How a datasource's numeric values behave: a level (`gauge`) or a cumulative register (`counter`). */
export type NumericValueType = 'gauge' | 'counter';

/**
 * The aggregate a read gets when it names none: `delta` for counters, `mean` for gauges.
 *
 * @example
 * ```ts
 * defaultAggregate('counter'); // 'delta'
 * defaultAggregate('gauge'); // 'mean'
 * ```
 */
export function defaultAggregate(valueType: NumericValueType): Aggregate {
  return valueType === 'counter' ? 'delta' : 'mean';
}
