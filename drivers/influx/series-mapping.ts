import { createHash } from 'node:crypto';
import type { DatasourceSpec } from '../../box/store/types.ts';
import type { FieldValue, ParsedSeries } from './line-protocol.ts';

/**
 * Where one line-protocol field goes: the datasource id and, if the datasource does not exist
 * yet, the spec it is created with. `undefined` from {@link mapField} means the field is not a
 * reading (a Home Assistant attribute, a string) and is counted as skipped.
 */
export interface MappedField {
  id: string;
  spec: DatasourceSpec;
}

/** Kinds for the units Home Assistant and Telegraf commonly send, when no device class says more. */
const KIND_BY_UNIT: Record<string, string> = {
  W: 'power',
  kW: 'power',
  Wh: 'energy',
  kWh: 'energy',
  MWh: 'energy',
  '°C': 'temperature',
  '°F': 'temperature',
  K: 'temperature',
  V: 'voltage',
  A: 'current',
  Hz: 'frequency',
  hPa: 'pressure',
  'm³': 'volume',
  lx: 'illuminance',
  'µg/m³': 'concentration',
  ppm: 'concentration',
};

const MAX_ID = 64;

/**
 * Lower-cases and replaces every character outside `[a-z0-9._-]` with `-` (runs collapsed), so
 * the result fits the datasource id pattern; too long an id keeps its first 55 characters and a
 * hash of the whole, so two long names never meet.
 */
export function slugify(text: string, max = MAX_ID): string {
  let slug = text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '');
  if (slug === '') slug = 'influx';
  if (slug.length > max) {
    const digest = createHash('sha256').update(text).digest('hex').slice(0, 8);
    slug = `${slug.slice(0, max - 9)}-${digest}`;
  }
  return slug;
}

function tag(series: ParsedSeries, key: string): string | undefined {
  for (const [k, v] of series.tags) if (k === key) return v;
  return undefined;
}

/** A field value as a reading value: numbers as they are, booleans as 1 and 0, strings not at all. */
export function numericValue(value: FieldValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/**
 * The mapping rule (docs/influx.md):
 * - **Home Assistant** (a tag `entity_id`): only the field `value` is a reading; its datasource is
 *   `ha.<domain>.<entity_id>` (domain from the `domain` tag, default `sensor`), the unit is the
 *   measurement (HA names the measurement after `unit_of_measurement`) unless the measurement is
 *   the entity id itself, the kind comes from the `device_class_str` field, else from the unit,
 *   and `state_class_str="total_increasing"` makes it a counter. Other fields (attributes) are skipped.
 * - **Everything else** (Telegraf): `<measurement>.<tag values in tag-key order>.<field>`, with
 *   the `unit` tag left out of the id and used as the unit; kind `<measurement>.<field>`; a gauge.
 * Ids and kinds are slugified to `[a-z0-9][a-z0-9._-]{0,63}`. An existing datasource with the id is
 * used as it is (create it first to choose a counter, a unit or a description).
 */
export function mapField(
  series: ParsedSeries,
  field: string,
  fields: ReadonlyArray<{ key: string; value: FieldValue }>,
): MappedField | undefined {
  const entity = tag(series, 'entity_id');
  if (entity !== undefined) {
    if (field !== 'value') return undefined;
    const domain = tag(series, 'domain') ?? 'sensor';
    const m = series.measurement;
    const unit = m === entity || m === `${domain}.${entity}` ? '' : m;
    const deviceClass = fields.find((f) => f.key === 'device_class_str')?.value;
    const stateClass = fields.find((f) => f.key === 'state_class_str')?.value;
    const id = slugify(`ha.${domain}.${entity}`);
    const kind =
      typeof deviceClass === 'string' && deviceClass !== ''
        ? slugify(deviceClass, 128)
        : (KIND_BY_UNIT[unit] ?? slugify(unit === '' ? domain : unit, 128));
    return {
      id,
      spec: {
        id,
        kind,
        unit: unit.slice(0, 32),
        valueType: stateClass === 'total_increasing' ? 'counter' : 'gauge',
        description: `Home Assistant ${domain}.${entity}`.slice(0, 1000),
        driver: 'influx',
      },
    };
  }
  const parts = [series.measurement];
  for (const [k, v] of series.tags) if (k !== 'unit') parts.push(v);
  parts.push(field);
  const id = slugify(parts.join('.'));
  return {
    id,
    spec: {
      id,
      kind: slugify(`${series.measurement}.${field}`, 128),
      unit: (tag(series, 'unit') ?? '').slice(0, 32),
      valueType: 'gauge',
      description: `line protocol ${series.measurement} ${field}`.slice(0, 1000),
      driver: 'influx',
    },
  };
}
