import { createHash } from 'node:crypto';
import type { DatasourceSpec } from '../../box/store/types.ts';
import { BINARY_CLASSES, inferSensor } from '../mqtt/families/ha-discovery.ts';
import { MEASURES } from '../mqtt/families/shared/measures.ts';
import type { RecorderEntity, RecorderStatistic } from './recorder-db.ts';

/** How one entity's states become readings, or why they do not. */
export type EntitySeries =
  | { spec: DatasourceSpec; value: (state: string) => number | undefined; warning?: string }
  | { skip: string };

const MAX_ID = 64;
/** Room for the `.mean` / `.sum` suffix of statistics series. */
const SUFFIX_ROOM = 5;

/**
 * `hass.<entity or statistic id>` (`:` of external statistics becomes `.`); ids too long for a
 * datasource keep their start and get a 6-hex-digit hash of the whole name, so they stay unique.
 *
 * @example
 * ```ts
 * datasourceId('sensor.kitchen_temperature'); // 'hass.sensor.kitchen_temperature'
 * ```
 */
export function datasourceId(name: string): string {
  const clean = name
    .toLowerCase()
    .replace(/:/g, '.')
    .replace(/[^a-z0-9._-]/g, '_');
  const id = `hass.${clean}`;
  if (id.length <= MAX_ID - SUFFIX_ROOM && clean === name.replace(/:/g, '.')) return id;
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 6);
  return `${id.slice(0, MAX_ID - SUFFIX_ROOM - 7)}-${hash}`;
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function describe(entity: RecorderEntity, what: string): string {
  const name = text(entity.attributes.friendly_name);
  return `${what} of Home Assistant entity ${entity.entityId}${name ? ` ("${name.slice(0, 80)}")` : ''}, from its recorder history`;
}

/**
 * The datasource and value parser for an entity's states, from the attributes of its latest
 * state, by the same rules as MQTT discovery (`inferSensor`): the device class picks the kind when
 * the unit agrees, else the unit does; `total`/`total_increasing` make a counter. Binary sensors
 * become 0/1 gauges (`on` is 1; for doors and windows `on` means open, so contact is 0). Entities
 * with neither a unit nor a numeric class or state class (text, modes, `climate.*`) are skipped.
 */
export function entitySeries(entity: RecorderEntity): EntitySeries {
  const attrs = entity.attributes;
  const deviceClass = text(attrs.device_class);
  const id = datasourceId(entity.entityId);
  if (entity.entityId.startsWith('binary_sensor.')) {
    const [measure, inverted] = BINARY_CLASSES[deviceClass ?? ''] ?? [undefined, false];
    const base = measure
      ? MEASURES[measure]
      : { kind: deviceClass ?? 'binary', unit: '', valueType: 'gauge' as const };
    const on = inverted ? 0 : 1;
    return {
      spec: {
        id,
        ...base,
        description: describe(entity, 'On/off (0/1)'),
        vendor: 'Home Assistant',
        driver: 'import',
      },
      value: (s) => (s === 'on' ? on : s === 'off' ? 1 - on : undefined),
    };
  }
  const unit = text(attrs.unit_of_measurement);
  const stateClass = text(attrs.state_class);
  if (unit === undefined && stateClass === undefined) {
    return { skip: 'no unit_of_measurement or state_class (not a numeric sensor)' };
  }
  const { measure, convert, warning } = inferSensor(deviceClass, stateClass, unit);
  return {
    spec: {
      id,
      ...measure,
      description: describe(entity, 'State'),
      vendor: 'Home Assistant',
      driver: 'import',
    },
    value: (s) => (NUMERIC.test(s) ? convert(Number(s)) : undefined),
    ...(warning && { warning: `${entity.entityId}: ${warning}` }),
  };
}

/**
 * The series of a long-term statistic: `<id>.mean` (hourly mean, a gauge at the hour's start)
 * when it has a mean, `<id>.sum` (Home Assistant's running total at the hour's end, a counter)
 * when it has a sum. The kind follows the unit and, when the statistic is an entity's, its
 * device class. Values are converted like states (Wh → kWh, °F → °C).
 */
export function statisticSeries(
  statistic: RecorderStatistic,
  entity: RecorderEntity | undefined,
): { mean?: DatasourceSpec; sum?: DatasourceSpec; convert: (v: number) => number } {
  const deviceClass = text(entity?.attributes.device_class);
  const unit = statistic.unit ?? undefined;
  const base = datasourceId(statistic.statisticId);
  const common = { vendor: 'Home Assistant', driver: 'import' };
  const what = `Home Assistant long-term statistic ${statistic.statisticId}${statistic.name ? ` ("${statistic.name.slice(0, 80)}")` : ''}`;
  const out: { mean?: DatasourceSpec; sum?: DatasourceSpec; convert: (v: number) => number } = {
    convert: inferSensor(deviceClass, 'measurement', unit).convert,
  };
  if (statistic.hasMean) {
    const { measure } = inferSensor(deviceClass, 'measurement', unit);
    out.mean = {
      id: `${base}.mean`,
      ...measure,
      valueType: 'gauge',
      description: `Hourly mean of ${what}`,
      ...common,
    };
  }
  if (statistic.hasSum) {
    const { measure } = inferSensor(deviceClass, 'total_increasing', unit);
    out.sum = {
      id: `${base}.sum`,
      ...measure,
      valueType: 'counter',
      description: `Running total (at each hour's end) of ${what}`,
      ...common,
    };
  }
  return out;
}
