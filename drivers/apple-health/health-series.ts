/**
 * Which datasource each Apple Health item goes to. One series per kind **and source**
 * (`sourceName`: "Anna’s iPhone", "Anna’s Apple Watch", an app, or manual entries in the Health
 * app), because the iPhone and the Watch both count the same walk: summing them would double the
 * steps. The householder picks the source when granting an app `health.steps` (the Watch's is
 * usually the better one: it is worn when the phone is on the desk).
 *
 * | HealthKit identifier                          | kind                      | unit  | value at the start of each sample |
 * |-----------------------------------------------|---------------------------|-------|-----------------------------------|
 * | `HKQuantityTypeIdentifierStepCount`           | `health.steps`            | count | steps in the sample               |
 * | `HKQuantityTypeIdentifierHeartRate`           | `health.heart_rate`       | bpm   | beats per minute                  |
 * | `HKCategoryTypeIdentifierSleepAnalysis`       | `health.sleep.<stage>`    | min   | minutes in that stage             |
 * | `Workout` (`HKWorkoutActivityType…`)          | `health.workout`          | min   | duration, per activity type       |
 * | its `totalEnergyBurned` / ActiveEnergyBurned  | `health.workout.energy`   | kcal  | energy of the workout             |
 */
import type { DatasourceSpec } from '../../box/store/types.ts';
import { slugify } from '../mqtt/families/shared/slug.ts';
import type { HealthItem } from './health-export.ts';

/** `HKCategoryValueSleepAnalysis…` values (and their HealthKit raw numbers in older exports). */
const SLEEP_STAGES: Record<string, string> = {
  HKCategoryValueSleepAnalysisInBed: 'in_bed',
  HKCategoryValueSleepAnalysisAsleep: 'asleep',
  HKCategoryValueSleepAnalysisAsleepUnspecified: 'asleep',
  HKCategoryValueSleepAnalysisAwake: 'awake',
  HKCategoryValueSleepAnalysisAsleepCore: 'asleep_core',
  HKCategoryValueSleepAnalysisAsleepDeep: 'asleep_deep',
  HKCategoryValueSleepAnalysisAsleepREM: 'asleep_rem',
  '0': 'in_bed',
  '1': 'asleep',
  '2': 'awake',
  '3': 'asleep_core',
  '4': 'asleep_deep',
  '5': 'asleep_rem',
};

/** A reading for a datasource, or why the item is not imported (`other`: a type this import does not cover). */
export type HealthSample =
  | { spec: DatasourceSpec; t: number; v: number }[]
  | { error: string }
  | { other: string };

/** `<prefix>.<source slug>`, the slug shortened (with a hash) so the id fits 64 characters. */
function seriesId(prefix: string, source: string): string {
  return `${prefix}.${slugify(source || 'unknown', Math.min(36, 63 - prefix.length))}`;
}

/** Specs by id: an export has a handful of series and millions of samples, so build each once. */
const SPECS = new Map<string, DatasourceSpec>();

function spec(prefix: string, source: string, kind: string, unit: string, what: string): DatasourceSpec {
  const key = `${prefix}\u0000${source}`;
  const known = SPECS.get(key);
  if (known) return known;
  if (SPECS.size >= 10_000) SPECS.clear();
  // flatten: a source name sliced from the parser's chunk would keep the whole chunk alive
  source = ` ${source}`.slice(1);
  const made: DatasourceSpec = {
    id: seriesId(prefix, source),
    kind,
    unit,
    valueType: 'gauge',
    description: `${what}, recorded by "${source.slice(0, 80)}", from an Apple Health export`,
    vendor: 'Apple Health',
    driver: 'import',
  };
  SPECS.set(key, made);
  return made;
}

function camelToSnake(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * The readings of one item (a workout gives up to two), an error naming the attribute at fault,
 * or `other` for record types outside the table above.
 *
 * @example
 * ```ts
 * healthSamples({ kind: 'record', type: 'HKQuantityTypeIdentifierStepCount', sourceName: 'Anna’s iPhone', unit: 'count', value: '412', start, end, line: 3 });
 * // [{ spec: { id: 'health.steps.anna-s-iphone-…', kind: 'health.steps', unit: 'count', … }, t: start, v: 412 }]
 * ```
 */
export function healthSamples(item: HealthItem): HealthSample {
  const source = item.sourceName;
  if (item.kind === 'workout') {
    const activity = item.activity.replace(/^HKWorkoutActivityType/, '') || 'Other';
    const slug = slugify(camelToSnake(activity), 24, { caseInsensitive: true });
    if (item.durationMin === undefined) return { error: 'Workout has no duration' };
    const out = [
      {
        spec: spec(
          `health.workout.${slug}`,
          source,
          'health.workout',
          'min',
          `Workouts (${activity}), minutes`,
        ),
        t: item.start,
        v: item.durationMin,
      },
    ];
    if (item.energyKcal !== undefined) {
      out.push({
        spec: spec(
          `health.workout.energy.${slug}`,
          source,
          'health.workout.energy',
          'kcal',
          `Active energy of workouts (${activity})`,
        ),
        t: item.start,
        v: item.energyKcal,
      });
    }
    return out;
  }
  const number = item.value === undefined ? Number.NaN : Number(item.value);
  switch (item.type) {
    case 'HKQuantityTypeIdentifierStepCount':
      if (item.unit !== 'count') return { error: `unit ${JSON.stringify(item.unit)} is not "count"` };
      if (!Number.isFinite(number) || number < 0)
        return { error: `value ${JSON.stringify(item.value)} is not a step count` };
      return [
        {
          spec: spec('health.steps', source, 'health.steps', 'count', 'Steps per sample'),
          t: item.start,
          v: number,
        },
      ];
    case 'HKQuantityTypeIdentifierHeartRate':
      if (item.unit !== 'count/min') return { error: `unit ${JSON.stringify(item.unit)} is not "count/min"` };
      if (!Number.isFinite(number) || number <= 0)
        return { error: `value ${JSON.stringify(item.value)} is not a heart rate` };
      return [
        {
          spec: spec('health.heart_rate', source, 'health.heart_rate', 'bpm', 'Heart rate'),
          t: item.start,
          v: number,
        },
      ];
    case 'HKCategoryTypeIdentifierSleepAnalysis': {
      const stage = SLEEP_STAGES[item.value ?? ''];
      if (!stage)
        return { error: `value ${JSON.stringify(item.value)} is not a HKCategoryValueSleepAnalysis value` };
      const minutes = Number(((item.end - item.start) / 60_000).toPrecision(15));
      const label = stage.replace(/_/g, ' ');
      return [
        {
          spec: spec(
            `health.sleep.${stage}`,
            source,
            `health.sleep.${stage}`,
            'min',
            `Minutes ${label} per sleep sample`,
          ),
          t: item.start,
          v: minutes,
        },
      ];
    }
    default:
      return { other: item.type };
  }
}
