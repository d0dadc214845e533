import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Store } from '../../../box/store/store.ts';
import { importHomeAssistant } from '../../../drivers/imports/homeassistant-import.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { RecorderFixture } from './recorder-fixture.ts';

const tempDir = useTempDir('databox-hass-');
const T0 = Date.parse('2024-03-01T00:00:00Z') / 1000;
const all = {
  from: 0,
  to: Date.parse('2030-01-01T00:00:00Z'),
  resolution: 'raw',
  aggregate: 'mean',
} as const;
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});
function memoryStore(): Store {
  const store = Store.open(':memory:');
  stores.push(store);
  return store;
}

/** A small household: the entity kinds a recorder holds, with the values worked out by hand below. */
function buildRecorder(): string {
  const file = join(tempDir(), 'home-assistant_v2.db');
  const r = new RecorderFixture(file);
  const kitchen = r.entity('sensor.kitchen_temperature', {
    unit_of_measurement: '°C',
    device_class: 'temperature',
    state_class: 'measurement',
    friendly_name: 'Kitchen',
  });
  r.state(kitchen, '21.5', T0);
  r.state(kitchen, 'unavailable', T0 + 60);
  r.state(kitchen, '22.25', T0 + 120.5);
  r.state(
    r.entity('sensor.porch_temperature', { unit_of_measurement: '°F', device_class: 'temperature' }),
    '68',
    T0,
  );
  const energy = r.entity('sensor.shelly_em_energy', {
    unit_of_measurement: 'kWh',
    device_class: 'energy',
    state_class: 'total_increasing',
  });
  r.state(energy, '100.5', T0);
  r.state(energy, '101.25', T0 + 3600);
  const plug = r.entity('sensor.plug_power', {
    unit_of_measurement: 'kWh',
    device_class: 'power',
    state_class: 'total_increasing',
  });
  r.state(plug, '3.5', T0);
  const door = r.entity('binary_sensor.front_door', { device_class: 'door', friendly_name: 'Front door' });
  r.state(door, 'on', T0);
  r.state(door, 'off', T0 + 30);
  r.state(r.entity('sensor.weather', { friendly_name: 'Weather' }), 'sunny', T0);
  r.state(r.entity('sensor.grid_power', { unit_of_measurement: 'kW', device_class: 'power' }), '0.623', T0);
  const sum = r.statistic({
    statisticId: 'sensor.shelly_em_energy',
    unit: 'kWh',
    hasMean: false,
    hasSum: true,
  });
  r.hour(sum, T0 - 7200, { state: 99.5, sum: 0 });
  r.hour(sum, T0 - 3600, { state: 100.5, sum: 1 });
  const mean = r.statistic({
    statisticId: 'sensor.kitchen_temperature',
    unit: '°C',
    hasMean: true,
    hasSum: false,
  });
  r.hour(mean, T0 - 3600, { mean: 21, min: 20.5, max: 21.5 });
  const cost = r.statistic({
    statisticId: 'octopus_energy:electricity_cost',
    unit: 'GBP',
    hasMean: false,
    hasSum: true,
  });
  r.hour(cost, T0 - 3600, { sum: 0.42 });
  r.close();
  return file;
}

const values = (store: Store, id: string) => store.read(id, all).map((p) => [p.t / 1000 - T0, p.v]);

it('maps each entity by unit and device class, converts units, and a re-run adds nothing', async () => {
  const file = buildRecorder();
  const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
  const store = memoryStore();
  const summary = await importHomeAssistant(store, file);
  expect(summary).toMatchObject({
    readings: 13,
    written: 13,
    duplicates: 0,
    schemaVersion: 41,
    entities: 6,
    statistics: 3,
  });
  expect(values(store, 'hass.sensor.kitchen_temperature')).toEqual([
    [0, 21.5],
    [120.5, 22.25],
  ]);
  expect(values(store, 'hass.sensor.porch_temperature')).toEqual([[0, 20]]); // 68 °F
  expect(values(store, 'hass.sensor.grid_power')).toEqual([[0, 623]]); // 0.623 kW
  expect(values(store, 'hass.binary_sensor.front_door')).toEqual([
    [0, 0], // door on = open = no contact
    [30, 1],
  ]);
  expect(store.getDatasource('hass.sensor.shelly_em_energy')).toMatchObject({
    kind: 'electricity.energy',
    unit: 'kWh',
    valueType: 'counter',
  });
  expect(store.getDatasource('hass.binary_sensor.front_door')).toMatchObject({ kind: 'contact' });
  // device_class power with kWh: the unit wins, and the contradiction is said.
  expect(store.getDatasource('hass.sensor.plug_power')).toMatchObject({
    kind: 'electricity.energy',
    valueType: 'counter',
  });
  expect(summary.notes).toContain(
    'sensor.plug_power: device_class power contradicts unit kWh: stored as electricity.energy (kWh)',
  );
  expect(summary.notes).toContain('1 entities without a unit or numeric class left out: sensor.weather');
  expect(summary.notes).toContain(
    '1 states were not numbers (unknown, unavailable, text) and were not stored',
  );
  // Long-term statistics: sum at each hour's end, mean at its start.
  expect(values(store, 'hass.sensor.shelly_em_energy.sum')).toEqual([
    [-3600, 0],
    [0, 1],
  ]);
  expect(values(store, 'hass.sensor.kitchen_temperature.mean')).toEqual([[-3600, 21]]);
  expect(store.getDatasource('hass.octopus_energy.electricity_cost.sum')).toMatchObject({
    unit: 'GBP',
    valueType: 'counter',
  });

  const again = await importHomeAssistant(store, file);
  expect(again).toMatchObject({ written: 0, duplicates: 13 });
  // Opened read-only: the file is byte for byte what it was.
  expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(digest);
});

it('imports only the entities and statistics the globs name', async () => {
  const store = memoryStore();
  const summary = await importHomeAssistant(store, buildRecorder(), { entities: ['sensor.*_temperature'] });
  expect(summary.datasources.sort()).toEqual([
    'hass.sensor.kitchen_temperature',
    'hass.sensor.kitchen_temperature.mean',
    'hass.sensor.porch_temperature',
  ]);
  expect(summary.written).toBe(4);
  await expect(importHomeAssistant(store, buildRecorder(), { entities: ['light.*'] })).rejects.toThrow(
    /no entity or statistic matches --entity light\.\*; the database has binary_sensor\.front_door, /,
  );
});

it('refuses a file that is not a recorder database, naming what is missing', async () => {
  const store = memoryStore();
  const xml = join(tempDir(), 'export.xml');
  writeFileSync(xml, '<?xml version="1.0"?><HealthData locale="en_GB"></HealthData>\n');
  await expect(importHomeAssistant(store, xml)).rejects.toThrow(
    /not a Home Assistant recorder database \(file is not a database\)/,
  );
  const other = join(tempDir(), 'other.db');
  Store.open(other).close();
  await expect(importHomeAssistant(store, other)).rejects.toThrow(
    /not a Home Assistant recorder database of schema 41 or later: no table states, table states_meta/,
  );
  expect(store.listDatasources()).toEqual([]);
});
