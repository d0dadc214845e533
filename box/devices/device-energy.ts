import type { Store } from '../store/store.ts';
import type { Datasource } from '../store/types.ts';
import { DeviceRegistry } from './device-registry.ts';

/** One device's share of a period's energy, under the name the householder gave it. */
export interface DeviceEnergy {
  /** The device's first energy datasource (a link target for the chart of its readings). */
  source: Datasource;
  total: number;
  deviceId: string;
  name: string;
  room: string;
}

/**
 * Groups per-datasource energy totals into devices: a Shelly 2PM's two relays' kWh add up to one
 * device line, shown by the device's name (and room). Order: largest first.
 *
 * @example
 * energyByDevice(store, [{ source: plugEnergy, total: 1.2 }]); // [{ name: 'Kettle', total: 1.2, … }]
 */
export function energyByDevice(
  store: Store,
  totals: ReadonlyArray<{ source: Datasource; total: number }>,
): DeviceEnergy[] {
  if (totals.length === 0) return [];
  const devices = new DeviceRegistry(store).byDatasource();
  const out = new Map<string, DeviceEnergy>();
  for (const { source, total } of totals) {
    const device = devices.get(source.id);
    const id = device?.id ?? source.id;
    const line = out.get(id);
    if (line) line.total += total;
    else
      out.set(id, {
        source,
        total,
        deviceId: id,
        name: device?.name ?? (source.description || source.id),
        room: device?.room ?? '',
      });
  }
  return [...out.values()].sort((a, b) => b.total - a.total);
}
