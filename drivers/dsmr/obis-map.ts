import type { DatasourceSpec } from '../../box/store/types.ts';
import type { DsmrTelegram, MbusKind } from './telegram.ts';

/** One numeric value for the store: `t` ms UTC, `v` in the datasource's unit. */
export interface SourceReading {
  sourceId: string;
  t: number;
  v: number;
}

export interface TelegramSamples {
  /** The datasources this telegram has values for (a subset of what a meter can produce). */
  datasources: DatasourceSpec[];
  readings: SourceReading[];
  /**
   * Readings of logs the meter repeats in every telegram (power failures, past monthly peaks), at
   * their own times: the store keeps the first write of a timestamp, so re-sending them is harmless,
   * but a driver should skip the ones it has already written.
   */
  history: SourceReading[];
}

export interface MapTelegramOptions {
  /** Prefix of every datasource id (default `p1`); must itself be a valid id start. */
  prefix?: string;
  /** Time to use when the telegram has no timestamp (DSMR 2.2/3.0): when it was received, ms UTC. */
  receivedAt?: number;
  /** Driver instance id written into each datasource spec. */
  driver?: string;
}

const MBUS: Partial<Record<MbusKind, { kind: string; unit: string; name: string }>> = {
  gas: { kind: 'gas.volume', unit: 'm³', name: 'gas' },
  water: { kind: 'water.volume', unit: 'm³', name: 'water' },
  'warm-water': { kind: 'water.hot.volume', unit: 'm³', name: 'hot-water' },
  heat: { kind: 'heat.energy', unit: 'GJ', name: 'heat' },
};

/**
 * Turns a parsed telegram into datasource specs and readings for the store. Ids (with the default
 * prefix `p1`):
 *
 * - `p1.electricity.import.t1`, `.t2`, … and `p1.electricity.import.total`: counters, kWh
 *   (`electricity.import.energy`); the same under `export` (`electricity.export.energy`);
 * - `p1.electricity.import.power`, `p1.electricity.export.power`: gauges, W;
 * - `p1.l1.voltage` (V), `p1.l1.current` (A), `p1.l1.import.power`, `p1.l1.export.power` (W), per phase;
 * - `p1.tariff`: active tariff number (gauge); `p1.power-failures.short` / `.long`: counters;
 * - BE capacity tariff: `p1.electricity.import.demand` (15-min average, W) and
 *   `p1.electricity.import.month-peak` (W, at the peak's own time);
 * - BE capacity tariff history (`0-0:98.1.0`): each past month's peak into the same
 *   `p1.electricity.import.month-peak` series, at the peak's own time (in `history`);
 * - `p1.power-failures.log` (`electricity.power-failure`, seconds, in `history`): one reading per
 *   entry of the power-failure log (`1-0:99.97.0`), at the time the failure ended, valued its
 *   duration; a numeric series rather than events so that the log, repeated in every telegram, is
 *   stored once (first write of a timestamp wins) and sums to outage time per day;
 * - `p1.breaker` (`electricity.breaker`, `0-0:96.3.10`: 0 disconnected, 1 connected, 2 ready) and
 *   `p1.electricity.threshold` (W, `0-0:17.0.0`);
 * - M-Bus: `p1.gas.m1` (`gas.volume`, m³), `p1.water.m2` (`water.volume`), `p1.heat.mN` (GJ), at
 *   the device's own capture time, which lags the telegram (gas meters report every 5 min or hour);
 *   a valve position (`0-n:24.4.0`) as `p1.gas.m1.valve` (`valve`, 0 closed / 1 open / 2 ready).
 *
 * Electricity readings use the telegram time, or `receivedAt` when the telegram has none; with
 * neither they are left out (a reading must have a true time). Only values present produce
 * datasources, so the list describes what this meter actually sends.
 *
 * @example
 * ```ts
 * const { datasources, readings } = mapTelegram(parseTelegram(text), { receivedAt: Date.now() });
 * // readings: [{ sourceId: 'p1.electricity.import.t1', t: 1483381202000, v: 4.426 }, …,
 * //            { sourceId: 'p1.gas.m1', t: 1483369805000, v: 0.107 }]
 * ```
 */
export function mapTelegram(telegram: DsmrTelegram, opts: MapTelegramOptions = {}): TelegramSamples {
  const prefix = opts.prefix ?? 'p1';
  const datasources = new Map<string, DatasourceSpec>();
  const readings: SourceReading[] = [];
  const history: SourceReading[] = [];
  const vendor = telegram.manufacturer || undefined;
  const add = (
    suffix: string,
    spec: Omit<DatasourceSpec, 'id'>,
    t: number | null | undefined,
    v: number | null | undefined,
    into = readings,
  ): void => {
    if (t === null || t === undefined || v === null || v === undefined || !Number.isFinite(v)) return;
    const id = `${prefix}.${suffix}`;
    if (!datasources.has(id)) {
      datasources.set(id, {
        id,
        ...spec,
        ...(vendor && { vendor }),
        ...(opts.driver && { driver: opts.driver }),
      });
    }
    into.push({ sourceId: id, t, v });
  };
  const t = telegram.timestamp ?? opts.receivedAt ?? null;

  for (const [direction, registers] of [
    ['import', telegram.energyImport],
    ['export', telegram.energyExport],
  ] as const) {
    const kind = `electricity.${direction}.energy`;
    for (const [tariff, kWh] of Object.entries(registers.byTariff)) {
      const description = `Electricity ${direction} register, tariff ${tariff}`;
      add(
        `electricity.${direction}.t${tariff}`,
        { kind, unit: 'kWh', valueType: 'counter', description },
        t,
        kWh,
      );
    }
    const description = `Electricity ${direction}, all tariffs`;
    add(
      `electricity.${direction}.total`,
      { kind, unit: 'kWh', valueType: 'counter', description },
      t,
      registers.total,
    );
  }
  const gauge = (kind: string, unit: string, description: string) =>
    ({ kind, unit, valueType: 'gauge', description }) as const;
  add(
    'electricity.import.power',
    gauge('electricity.import.power', 'W', 'Power drawn from the grid'),
    t,
    telegram.powerDeliveredW,
  );
  add(
    'electricity.export.power',
    gauge('electricity.export.power', 'W', 'Power fed into the grid'),
    t,
    telegram.powerReturnedW,
  );
  for (const p of telegram.phases) {
    const l = `l${p.phase}`;
    add(`${l}.voltage`, gauge('voltage', 'V', `Voltage L${p.phase}`), t, p.voltageV);
    add(`${l}.current`, gauge('current', 'A', `Current L${p.phase}`), t, p.currentA);
    add(
      `${l}.import.power`,
      gauge('electricity.import.power', 'W', `Power drawn, L${p.phase}`),
      t,
      p.powerDeliveredW,
    );
    add(
      `${l}.export.power`,
      gauge('electricity.export.power', 'W', `Power fed in, L${p.phase}`),
      t,
      p.powerReturnedW,
    );
  }
  add('tariff', gauge('electricity.tariff', '', 'Active tariff number'), t, telegram.tariff);
  add(
    'breaker',
    gauge('electricity.breaker', '', 'Breaker: 0 disconnected, 1 connected, 2 ready'),
    t,
    telegram.switchPosition,
  );
  add(
    'electricity.threshold',
    gauge('electricity.threshold', 'W', 'Power threshold'),
    t,
    telegram.thresholdW,
  );
  const outage = gauge('electricity.power-failure', 's', 'Power failure (logged at its end), duration');
  for (const failure of telegram.powerFailureLog)
    add('power-failures.log', outage, failure.end, failure.durationS, history);
  const failures = (description: string) =>
    ({ kind: 'electricity.power-failures', unit: '', valueType: 'counter', description }) as const;
  add('power-failures.short', failures('Power failures in any phase'), t, telegram.shortPowerFailures);
  add('power-failures.long', failures('Long power failures in any phase'), t, telegram.longPowerFailures);
  if (telegram.capacity) {
    const c = telegram.capacity;
    const demand = gauge('electricity.import.demand', 'W', 'Current 15-minute average demand');
    add('electricity.import.demand', demand, t, c.currentAverageDemandW);
    const peak = gauge('electricity.import.demand.peak', 'W', "This month's highest 15-minute demand");
    add('electricity.import.month-peak', peak, c.monthPeak?.t, c.monthPeak?.powerW);
    for (const past of c.history) add('electricity.import.month-peak', peak, past.t, past.powerW, history);
  }
  for (const channel of telegram.mbus) {
    const target = MBUS[channel.kind];
    if (!target || !channel.reading || channel.reading.unit !== target.unit) continue;
    const description = `M-Bus channel ${channel.channel} ${channel.kind} meter`;
    const spec = { kind: target.kind, unit: target.unit, valueType: 'counter', description } as const;
    add(`${target.name}.m${channel.channel}`, spec, channel.reading.t, channel.reading.value);
  }
  for (const channel of telegram.mbus) {
    const target = MBUS[channel.kind];
    if (!target) continue;
    const valve = gauge('valve', '', `M-Bus channel ${channel.channel} valve: 0 closed, 1 open, 2 ready`);
    add(`${target.name}.m${channel.channel}.valve`, valve, t, channel.valve);
  }
  return { datasources: [...datasources.values()], readings, history };
}
