import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ACTION_SCHEMAS } from '../../../box/audit/action-schemas.ts';
import { deviceIdOf } from '../../../box/devices/device-identity.ts';
import { DeviceRegistry } from '../../../box/devices/device-registry.ts';
import { Store } from '../../../box/store/store.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-devices-');

/** A store with the datasources real drivers name (ids as drivers/mqtt/families and dsmr write them). */
function household(file = join(tempDir(), 'databox.db')): Store {
  const store = Store.open(file);
  const add = (id: string, kind: string, unit: string, extra: Record<string, string> = {}) =>
    store.createDatasource({ id, kind, unit, valueType: 'gauge', ...extra }, 'driver:home');
  const plug = { description: 'Power of Zigbee2MQTT device "Kitchen plug" (Smart plug, IKEA)' };
  add('z2m.kitchen-plug.power', 'electricity.power', 'W', plug);
  add('z2m.kitchen-plug.energy', 'electricity.energy', 'kWh', plug);
  add('z2m.kitchen-plug.voltage', 'voltage', 'V', plug);
  add('z2m.kitchen-plug.current', 'current', 'A', plug);
  add('p1.electricity.import.power', 'electricity.import.power', 'W');
  add('p1.gas.m1', 'gas.volume', 'm³');
  add('shelly.shelly2pm-a1b2.relay0.energy', 'electricity.energy', 'kWh');
  add('shelly.shelly2pm-a1b2.relay1.energy', 'electricity.energy', 'kWh');
  add('sim.kitchen.temperature', 'temperature', '°C', { location: 'kitchen' });
  add('sim.kitchen.occupancy', 'occupancy', '', { location: 'kitchen' });
  add('hass.sensor.hall_lux', 'illuminance', 'lx');
  return store;
}

describe('devices', () => {
  it('groups the datasources a driver names for one device', () => {
    const store = household();
    const devices = new DeviceRegistry(store).list();
    const byId = new Map(devices.map((d) => [d.id, d.datasources.map((s) => s.id).sort()]));
    expect(byId.get('z2m.kitchen-plug')).toEqual([
      'z2m.kitchen-plug.current',
      'z2m.kitchen-plug.energy',
      'z2m.kitchen-plug.power',
      'z2m.kitchen-plug.voltage',
    ]);
    expect(byId.get('p1')).toEqual(['p1.electricity.import.power', 'p1.gas.m1']);
    expect(byId.get('shelly.shelly2pm-a1b2')).toHaveLength(2);
    expect(byId.get('sim.kitchen')).toHaveLength(2);
    expect(byId.get('hass.sensor.hall_lux')).toEqual(['hass.sensor.hall_lux']);
    expect(devices).toHaveLength(5);
    // default names: the driver's device name, a meter, the room a driver reported
    const named = new Map(devices.map((d) => [d.id, [d.name, d.room]]));
    expect(named.get('z2m.kitchen-plug')).toEqual(['Kitchen plug', '']);
    expect(named.get('p1')).toEqual(['P1 meter', '']);
    expect(named.get('sim.kitchen')).toEqual(['Kitchen', 'Kitchen']);
    store.close();
  });

  it('derives a device id from the datasource id alone, so it is stable', () => {
    expect(deviceIdOf('z2m.kitchen-plug.energy')).toBe('z2m.kitchen-plug');
    expect(deviceIdOf('sim.power')).toBe('sim');
    expect(deviceIdOf('glow.abc.electricity.import.power')).toBe('glow.abc');
    expect(deviceIdOf('octopus.electricity.import.interval.cost')).toBe('octopus');
    expect(deviceIdOf('standalone')).toBe('standalone');
  });

  it('stores names and rooms, audits each change, and keeps them across a reopen', () => {
    const file = join(tempDir(), 'databox.db');
    let store = household(file);
    const devices = new DeviceRegistry(store);
    const seqBefore = store.audit.head().seq;
    devices.update('z2m.kitchen-plug', { name: 'Kettle', room: 'Kitchen' }, 'user');
    devices.update('z2m.kitchen-plug', { name: 'Kettle', room: 'Kitchen' }, 'user'); // unchanged
    devices.update('p1', { room: 'Hall' }, 'user');
    const entries = store.audit.query({ action: 'device.label' });
    expect(entries.map((e) => [e.subject, e.details])).toEqual([
      [
        'z2m.kitchen-plug',
        { from: { name: null, room: null }, to: { name: 'Kettle', room: 'Kitchen' }, datasources: 4 },
      ],
      ['p1', { from: { name: null, room: null }, to: { name: null, room: 'Hall' }, datasources: 2 }],
    ]);
    expect(store.audit.head().seq).toBe(seqBefore + 2);
    // the entries match the action's published schema (docs/audit.md)
    const valid = new Ajv2020({ strict: false }).compile(ACTION_SCHEMAS['device.label'].details);
    for (const e of entries) expect(valid(e.details), JSON.stringify(valid.errors)).toBe(true);
    store.close();
    store = Store.open(file);
    const again = new DeviceRegistry(store).get('z2m.kitchen-plug');
    expect([again.name, again.room, again.named]).toEqual(['Kettle', 'Kitchen', true]);
    // the ids of the datasources did not change
    expect(store.getDatasource('z2m.kitchen-plug.energy').id).toBe('z2m.kitchen-plug.energy');
    // '' puts the default back and removes the row
    new DeviceRegistry(store).update('z2m.kitchen-plug', { name: '', room: '' }, 'user');
    expect(new DeviceRegistry(store).get('z2m.kitchen-plug')).toMatchObject({
      name: 'Kitchen plug',
      room: '',
    });
    expect(store.db.prepare('SELECT count(*) AS n FROM device_labels').get()).toEqual({ n: 1 });
    expect(store.audit.verify().ok).toBe(true);
    store.close();
  });

  it('refuses a bad name or an unknown device, naming what was wrong, and stores nothing', () => {
    const store = household();
    const devices = new DeviceRegistry(store);
    expect(() => devices.update('z2m.kitchen-plug', { name: 'a\u001b[2Jb' }, 'user')).toThrow(
      /invalid device name/,
    );
    expect(() => devices.update('z2m.kitchen-plug', { room: 'x'.repeat(65) }, 'user')).toThrow(
      /invalid device room/,
    );
    expect(() => devices.update('no.such', { name: 'X' }, 'user')).toThrow(/device "no.such" does not exist/);
    expect(store.audit.query({ action: 'device.label' })).toEqual([]);
    expect(devices.get('z2m.kitchen-plug').name).toBe('Kitchen plug');
    store.close();
  });

  it('gives a box file made before devices existed the table on first use, losing nothing', () => {
    const file = join(tempDir(), 'databox.db');
    household(file).close();
    const before = new Database(file, { readonly: true });
    const hasTable = before.prepare("SELECT 1 FROM sqlite_master WHERE name = 'device_labels'").get();
    const sources = before.prepare('SELECT count(*) AS n FROM datasources').get();
    before.close();
    expect(hasTable).toBeUndefined();
    const store = Store.open(file);
    const devices = new DeviceRegistry(store);
    expect(devices.get('p1').name).toBe('P1 meter');
    devices.update('p1', { name: 'Meter cupboard' }, 'user');
    expect(store.db.prepare('SELECT count(*) AS n FROM datasources').get()).toEqual(sources);
    store.close();
  });
});
