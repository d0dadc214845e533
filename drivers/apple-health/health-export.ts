/**
 * Streaming reader of Apple Health's "Export All Health Data" `export.xml`:
 *
 * ```xml
 * <HealthData locale="en_GB">
 *  <ExportDate value="2024-01-10 09:00:00 +0100"/>
 *  <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Anna’s iPhone" unit="count"
 *          startDate="2024-01-05 08:30:00 +0100" endDate="2024-01-05 08:35:00 +0100" value="412"/>
 *  <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30.5" durationUnit="min"
 *           sourceName="Anna’s Apple Watch" startDate="…" endDate="…">
 *   <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" sum="320" unit="kcal" …/>
 *  </Workout>
 * </HealthData>
 * ```
 *
 * The file is parsed chunk by chunk with `saxes` (exports reach hundreds of MB); only `Record`
 * and `Workout` elements become items, everything else (`Me`, `ActivitySummary`, metadata,
 * route and ECG references) is passed over. A file whose root is not `HealthData` is refused at
 * its first element.
 */
import { SaxesParser } from 'saxes';
import { BadRequestError } from '../../box/errors.ts';

/** A `Record` element's attributes (dates in ms UTC). */
export interface HealthRecord {
  kind: 'record';
  type: string;
  sourceName: string;
  unit: string | undefined;
  value: string | undefined;
  start: number;
  end: number;
  /** Line of the element in the file, for error messages. */
  line: number;
}

/** A `Workout` element, with the energy of its `WorkoutStatistics` child when the attribute is absent. */
export interface HealthWorkout {
  kind: 'workout';
  activity: string;
  sourceName: string;
  durationMin: number | undefined;
  energyKcal: number | undefined;
  start: number;
  end: number;
  line: number;
}

export type HealthItem = HealthRecord | HealthWorkout;

/** An element that could not be read, by line. */
export interface HealthRowError {
  line: number;
  path: string;
  message: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/**
 * `2024-01-05 08:30:00 +0100` (the export's date form, local time and offset) to ms UTC, or NaN.
 *
 * @example
 * ```ts
 * parseHealthDate('2024-01-05 08:30:00 +0100'); // Date.parse('2024-01-05T07:30:00Z')
 * ```
 */
export function parseHealthDate(text: string | undefined): number {
  const m = text === undefined ? null : DATE.exec(text);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, sign, oh, om] = m;
  const offsetMin = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  return Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) - offsetMin * 60_000;
}

function energyKcal(value: string | undefined, unit: string | undefined): number | undefined {
  const v = value === undefined ? Number.NaN : Number(value);
  if (!Number.isFinite(v)) return undefined;
  if (unit === 'kcal' || unit === 'Cal') return v;
  if (unit === 'kJ') return v / 4.184;
  return undefined;
}

/**
 * Reads the export from `chunks`, yielding items in file order; elements with unusable dates go
 * to `errors` instead.
 *
 * @throws BadRequestError when the XML is not well formed (with line and column) or the root
 *   element is not `HealthData`.
 * @example
 * ```ts
 * const errors: HealthRowError[] = [];
 * for await (const item of readHealthExport(createReadStream('export.xml'), errors)) console.log(item.kind);
 * ```
 */
export async function* readHealthExport(
  chunks: AsyncIterable<string | Uint8Array>,
  errors: HealthRowError[],
): AsyncGenerator<HealthItem> {
  const parser = new SaxesParser();
  const out: HealthItem[] = [];
  let root: string | undefined;
  let workout: HealthWorkout | undefined;
  let depth = 0;
  const dates = (a: Record<string, string>, line: number, name: string) => {
    const start = parseHealthDate(a.startDate);
    const end = parseHealthDate(a.endDate);
    if (Number.isNaN(start) || Number.isNaN(end) || end < start) {
      const bad = Number.isNaN(start)
        ? `startDate ${JSON.stringify(a.startDate ?? '')}`
        : `endDate ${JSON.stringify(a.endDate ?? '')}`;
      errors.push({
        line,
        path: `line ${line}: ${name}`,
        message: `${bad} is not a date like "2024-01-05 08:30:00 +0100" at or after the start`,
      });
      return undefined;
    }
    return { start, end };
  };
  parser.on('opentag', (node) => {
    depth++;
    const a = node.attributes as Record<string, string>;
    if (root === undefined) {
      root = node.name;
      if (root !== 'HealthData') {
        throw new BadRequestError(
          `not an Apple Health export: the root element is <${root}>, not <HealthData>${root === 'feed' ? ' (an Atom feed, such as Green Button data?)' : ''}`,
          { code: 'health_not_export' },
        );
      }
      return;
    }
    const line = parser.line;
    if (node.name === 'Record' && depth === 2) {
      const when = dates(a, line, 'Record');
      if (when)
        out.push({
          kind: 'record',
          type: a.type ?? '',
          sourceName: a.sourceName ?? '',
          unit: a.unit,
          value: a.value,
          line,
          ...when,
        });
    } else if (node.name === 'Workout' && depth === 2) {
      const when = dates(a, line, 'Workout');
      const minutes =
        Number(a.duration) * (a.durationUnit === 'hr' ? 60 : a.durationUnit === 's' ? 1 / 60 : 1);
      if (when) {
        workout = {
          kind: 'workout',
          activity: a.workoutActivityType ?? '',
          sourceName: a.sourceName ?? '',
          durationMin: Number.isFinite(minutes) ? minutes : undefined,
          energyKcal: energyKcal(a.totalEnergyBurned, a.totalEnergyBurnedUnit),
          line,
          ...when,
        };
      }
    } else if (node.name === 'WorkoutStatistics' && workout && workout.energyKcal === undefined) {
      if (a.type === 'HKQuantityTypeIdentifierActiveEnergyBurned')
        workout.energyKcal = energyKcal(a.sum, a.unit);
    }
  });
  parser.on('closetag', (node) => {
    depth--;
    if (node.name === 'Workout' && workout && depth === 1) {
      out.push(workout);
      workout = undefined;
    }
  });
  const decoder = new TextDecoder('utf-8');
  const write = (text: string) => {
    try {
      parser.write(text);
    } catch (error) {
      if (error instanceof BadRequestError) throw error;
      throw new BadRequestError(
        `not an Apple Health export: not well-formed XML: ${(error as Error).message}`,
        {
          code: 'health_bad_xml',
          cause: error,
        },
      );
    }
  };
  for await (const chunk of chunks) {
    write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    yield* out.splice(0);
  }
  write(decoder.decode());
  try {
    parser.close();
  } catch (error) {
    throw new BadRequestError(`Apple Health export ends early: ${(error as Error).message}`, {
      code: 'health_bad_xml',
    });
  }
  if (root === undefined)
    throw new BadRequestError('not an Apple Health export: no XML element at all', {
      code: 'health_not_export',
    });
  yield* out.splice(0);
}
