import type Database from 'better-sqlite3';
import { BadRequestError, NotFoundError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { Actor, Datasource } from '../store/types.ts';
import { defaultDeviceName, defaultRoom, deviceIdOf } from './device-identity.ts';

/** One device: the datasources a driver reports for one physical thing, with its name and room. */
export interface Device {
  /** Stable: derived from its datasources' ids ({@link deviceIdOf}). */
  id: string;
  name: string;
  room: string;
  /** Whether the householder set the name (else it is the default) and the room. */
  named: boolean;
  roomSet: boolean;
  datasources: Datasource[];
}

/** What the householder may change: `''` (or null) puts the default back. */
export interface DeviceLabelPatch {
  name?: string | null;
  room?: string | null;
}

const LABEL_MAX = 64;
// control characters would let a name forge lines in the CLI's output or the audit export
const CONTROL = /\p{Cc}/u;

/**
 * Creates the `device_labels` table if missing. Only labels the householder set are stored (the
 * grouping is derived from datasource ids), so the table is new and optional: an older box file
 * gains it on first use, and a box without it simply shows the default names.
 */
const ensured = new WeakSet<Database.Database>();

function ensureSchema(db: Database.Database): void {
  if (ensured.has(db)) return;
  ensured.add(db);
  db.exec(`CREATE TABLE IF NOT EXISTS device_labels (
    device_id TEXT PRIMARY KEY,
    name TEXT,
    room TEXT,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID`);
}

function checkLabel(field: 'name' | 'room', value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  const text = value.trim();
  if (text.length > LABEL_MAX || CONTROL.test(text))
    throw new BadRequestError(`invalid device ${field}`, {
      details: [
        { path: field, message: `must be at most ${LABEL_MAX} characters without control characters` },
      ],
    });
  return text === '' ? null : text;
}

/**
 * Devices, their friendly names and rooms. The grouping is computed from the catalogue on each
 * call (a few hundred datasources at most), so a new datasource joins its device at once.
 *
 * @example
 * const devices = new DeviceRegistry(store);
 * devices.update('z2m.kitchen-plug', { name: 'Kettle', room: 'Kitchen' }, 'user');
 * devices.list(); // [{ id: 'z2m.kitchen-plug', name: 'Kettle', room: 'Kitchen', datasources: [4 …] }, …]
 */
export class DeviceRegistry {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
    if (!store.db.readonly) ensureSchema(store.db);
  }

  /** Every device, sorted by room then name (devices without a room last). */
  list(): Device[] {
    const groups = new Map<string, Datasource[]>();
    for (const source of this.#store.listDatasources()) {
      const id = deviceIdOf(source.id);
      const list = groups.get(id) ?? [];
      list.push(source);
      groups.set(id, list);
    }
    const labels = this.#labels();
    const devices = [...groups].map(([id, datasources]) => {
      const label = labels.get(id);
      return {
        id,
        name: label?.name ?? defaultDeviceName(id, datasources),
        room: label?.room ?? defaultRoom(datasources),
        named: Boolean(label?.name),
        roomSet: Boolean(label?.room),
        datasources,
      };
    });
    return devices.sort(
      (a, b) =>
        Number(!a.room) - Number(!b.room) || a.room.localeCompare(b.room) || a.name.localeCompare(b.name),
    );
  }

  /** The device, or a 404 naming the id and where to find the ids. */
  get(id: string): Device {
    const device = this.list().find((d) => d.id === id);
    if (!device)
      throw new NotFoundError(`device "${id}" does not exist; \`databox device list\` shows the devices`);
    return device;
  }

  /** The device each datasource id belongs to, with its current name and room. */
  byDatasource(): Map<string, Device> {
    const map = new Map<string, Device>();
    for (const device of this.list()) for (const source of device.datasources) map.set(source.id, device);
    return map;
  }

  /**
   * Sets the name and/or room (validated; `''` restores the default), audited as `device.label`
   * with the labels before and after, in one transaction. Returns the device as it is now.
   */
  update(id: string, patch: DeviceLabelPatch, actor: Actor): Device {
    const name = checkLabel('name', patch.name);
    const room = checkLabel('room', patch.room);
    if (name === undefined && room === undefined)
      throw new BadRequestError('nothing to change: give a name and/or a room');
    const device = this.get(id);
    const before = this.#labels().get(id) ?? { name: null, room: null };
    const after = {
      name: name === undefined ? before.name : name,
      room: room === undefined ? before.room : room,
    };
    // a form posted unchanged is not a change: nothing stored, nothing audited
    if (after.name === before.name && after.room === before.room) return device;
    this.#store.transaction(() => {
      if (after.name === null && after.room === null)
        this.#store.db.prepare('DELETE FROM device_labels WHERE device_id = ?').run(id);
      else
        this.#store.db
          .prepare(
            `INSERT INTO device_labels (device_id, name, room, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (device_id) DO UPDATE SET name = excluded.name, room = excluded.room,
             updated_at = excluded.updated_at`,
          )
          .run(id, after.name, after.room, this.#store.now());
      this.#store.audit.append({
        actor,
        action: 'device.label',
        subject: id,
        details: { from: before, to: after, datasources: device.datasources.length },
      });
    });
    return this.get(id);
  }

  #labels(): Map<string, { name: string | null; room: string | null }> {
    // a read-only connection (CLI listing) of a box that never stored a label has no table yet
    const exists = this.#store.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'device_labels'")
      .get();
    if (!exists) return new Map();
    const rows = this.#store.db.prepare('SELECT device_id, name, room FROM device_labels').all() as Array<{
      device_id: string;
      name: string | null;
      room: string | null;
    }>;
    return new Map(rows.map((r) => [r.device_id, { name: r.name, room: r.room }]));
  }
}
