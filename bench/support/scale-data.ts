/**
 * The scale run's household (bench/scale.ts): 20 datasources of 10 s readings from four
 * simulated households (different seeds and appliances), generated one UTC day at a time.
 *
 * - `h0`…`h3`: whole-house power (W, whole watts) and the energy register (kWh, a float with many
 *   decimals: the XOR codec's case), natively every 10 s;
 * - `h0`'s outdoor and six room temperatures and five rooms' occupancy: the simulator makes them
 *   on a one-minute grid; a sensor polled every 10 s reports them here, temperatures linearly
 *   interpolated between the minutes and rounded to 0.01 °C (a sensor's resolution), occupancy
 *   held (a state).
 */
import type { DatasourceSpec, Reading } from '../../box/store/types.ts';
import { HouseholdSimulator } from '../../drivers/simulator/index.ts';

const STEP = 10_000;
const MINUTE = 60_000;
const ROOMS = ['living', 'kitchen', 'bedroom', 'bath', 'study', 'attic'];

interface Mapped {
  household: number;
  /** The simulator's id. */
  from: string;
  spec: DatasourceSpec;
  /** How a one-minute series becomes a 10 s one. */
  upsample?: 'interpolate' | 'hold';
}

/** Twenty sources, each one day of 8,640 readings per {@link ScaleHousehold.day}. */
export class ScaleHousehold {
  readonly sims = [
    new HouseholdSimulator({ seed: 11, stepMs: STEP, rooms: ROOMS }),
    new HouseholdSimulator({ seed: 12, stepMs: STEP, ev: true, rooms: ['living'] }),
    new HouseholdSimulator({ seed: 13, stepMs: STEP, electricShower: true, rooms: ['living'] }),
    new HouseholdSimulator({ seed: 14, stepMs: STEP, occupants: 4, rooms: ['living'] }),
  ];
  readonly sources: Mapped[] = [];

  constructor() {
    const specs = this.sims.map((s) => new Map(s.datasources().map((d) => [d.id, d])));
    const add = (household: number, from: string, id: string, upsample?: Mapped['upsample']) => {
      const spec = specs[household].get(from);
      if (!spec) throw new Error(`the simulator has no ${from}`);
      this.sources.push({ household, from, spec: { ...spec, id }, upsample });
    };
    for (let h = 0; h < this.sims.length; h++) {
      add(h, 'sim.power', `h${h}.power`);
      add(h, 'sim.energy', `h${h}.energy`);
    }
    add(0, 'sim.outdoor.temperature', 'h0.outdoor.temperature', 'interpolate');
    for (const room of ROOMS) add(0, `sim.${room}.temperature`, `h0.${room}.temperature`, 'interpolate');
    for (const room of ROOMS.slice(0, 5)) add(0, `sim.${room}.occupancy`, `h0.${room}.occupancy`, 'hold');
  }

  /** Every source's readings of the UTC day starting at `day` (ms), 8,640 each. */
  day(day: number): Array<{ id: string; readings: Reading[] }> {
    const end = day + 86_400_000;
    // one more minute, so the last minute of the day has a next value to interpolate towards
    const series = this.sims.map((sim) => {
      const out = new Map<string, Reading[]>();
      for (const b of sim.batches(day, end + MINUTE, { batchSize: 100_000 })) {
        const list = out.get(b.sourceId) ?? [];
        for (const r of b.readings) list.push(r);
        out.set(b.sourceId, list);
      }
      return out;
    });
    return this.sources.map((s) => {
      const raw = series[s.household].get(s.from) ?? [];
      if (!s.upsample) return { id: s.spec.id, readings: raw.filter((r) => r.t < end) };
      const readings: Reading[] = [];
      for (let i = 0; i < raw.length - 1 && raw[i].t < end; i++) {
        const a = raw[i];
        const b = raw[i + 1];
        for (let t = a.t; t < b.t; t += STEP) {
          const v =
            s.upsample === 'hold'
              ? a.v
              : Math.round((a.v + ((b.v - a.v) * (t - a.t)) / (b.t - a.t)) * 100) / 100;
          readings.push({ t, v });
        }
      }
      return { id: s.spec.id, readings };
    });
  }
}
