import { Store } from '../../box/store/store.ts';

/** What {@link powerAndEnergyStore} writes. */
export interface PowerAndEnergy {
  /** First reading. */
  t0: number;
  days: number;
  /** A reading every `every` 10 s steps. */
  every: number;
  /** Step at which the energy register restarts from 0 (a meter reset). */
  resetAt: number;
  /** kWh the register gains per step. */
  kWhPerStep: number;
}

/**
 * A store at `file` with a power gauge `power` (W, a sawtooth) and an energy counter `energy`
 * (kWh, rising, reset once), both written in one batch each: the rollup tests' household.
 */
export function powerAndEnergyStore(file: string, data: PowerAndEnergy): Store {
  const store = Store.open(file);
  store.createDatasource(
    { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  store.createDatasource(
    { id: 'energy', kind: 'electricity.import.energy', unit: 'kWh', valueType: 'counter' },
    'user',
  );
  const power = [];
  const energy = [];
  for (let i = 0; i < data.days * 8640; i += data.every) {
    const t = data.t0 + i * 10_000;
    power.push({ t, v: (i * 37) % 1000 });
    energy.push({ t, v: (i < data.resetAt ? i : i - data.resetAt) * data.kWhPerStep });
  }
  store.writeReadings('power', power, 'user');
  store.writeReadings('energy', energy, 'user');
  return store;
}
