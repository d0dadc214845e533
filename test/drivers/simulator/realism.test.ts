import { describe, expect, it } from 'vitest';
import { HouseholdSimulator } from '../../../drivers/simulator/household-simulator.ts';
import { collect, DAY, HOUR, MIN, mean, within } from './collect.ts';

// Expectations come from the brief and typical UK figures, not from the simulator's output:
// a home without EV uses 4–20 kWh a day; kettles draw 2–3 kW for 2–4 minutes; at 3 a.m. only the
// fridge, freezer and base load run; UK outdoor air stays within about −15..35 °C.
const START = Date.UTC(2024, 0, 8); // a Monday
const DAYS = 14;
const SEEDS = [1, 2, 3];

describe.each(SEEDS)('household seed %i over two winter weeks', (seed) => {
  const sim = new HouseholdSimulator({ seed });
  const data = collect(sim, START, START + DAYS * DAY, 10_000);
  const power = data.get('sim.power')!;

  it('uses a realistic 4–20 kWh per lived-in day, counted from the power readings', () => {
    let livedIn = 0;
    for (let d = 0; d < DAYS; d++) {
      const day = within(power, START + d * DAY, START + (d + 1) * DAY);
      expect(day).toHaveLength(8640);
      const kWh = day.reduce((s, r) => s + r.v, 0) * (10 / 3_600_000);
      let awakeHours = 0;
      for (let t = START + d * DAY; t < START + (d + 1) * DAY; t += 10 * MIN) {
        if (sim.occupancy(t).awake > 0) awakeHours += 1 / 6;
      }
      // A day away on holiday still runs the fridge, freezer and standby loads (about 2–5 kWh).
      expect(kWh, `day ${d}`).toBeGreaterThanOrEqual(awakeHours >= 6 ? 4 : 2);
      expect(kWh, `day ${d}`).toBeLessThanOrEqual(20);
      if (awakeHours >= 6) livedIn++;
    }
    expect(livedIn).toBeGreaterThan(DAYS / 2);
  });

  it('has a night base load well below the evening peak', () => {
    const night: number[] = [];
    const evening: number[] = [];
    for (let d = 0; d < DAYS; d++) {
      const day = START + d * DAY;
      night.push(mean(within(power, day + 2 * HOUR, day + 4 * HOUR).map((r) => r.v)));
      evening.push(Math.max(...within(power, day + 17 * HOUR, day + 22 * HOUR).map((r) => r.v)));
    }
    expect(mean(night)).toBeGreaterThan(50);
    expect(mean(night)).toBeLessThan(350);
    expect(mean(night) * 3).toBeLessThan(mean(evening));
  });

  it('runs only the fridge, freezer and base load at 3 a.m.', () => {
    for (let d = 0; d < DAYS; d++) {
      for (let t = START + d * DAY + 2 * HOUR; t < START + d * DAY + 5 * HOUR; t += 5 * MIN) {
        const names = sim.appliances(t).map((a) => a.name);
        expect(
          names.filter((n) => n !== 'fridge' && n !== 'freezer'),
          new Date(t).toISOString(),
        ).toEqual([]);
        expect(sim.occupancy(t).awake).toBe(0);
      }
    }
  });

  it('never uses attended appliances while nobody is awake at home', () => {
    const attended = new Set(['kettle', 'hob', 'oven', 'tv', 'lighting', 'shower']);
    let nobodyMinutes = 0;
    for (let t = START; t < START + DAYS * DAY; t += MIN) {
      const occupancy = sim.occupancy(t);
      if (occupancy.awake > 0) continue;
      if (occupancy.home === 0) nobodyMinutes++;
      const on = sim.appliances(t).filter((a) => attended.has(a.name));
      expect(on, new Date(t).toISOString()).toEqual([]);
    }
    expect(nobodyMinutes).toBeGreaterThan(60); // the check above was not vacuous: people go out
  });

  it('shows kettle spikes of about 2–3 kW for 2–4 minutes on most occupied mornings', () => {
    let occupiedMornings = 0;
    let withKettle = 0;
    for (let d = 0; d < DAYS; d++) {
      const day = START + d * DAY;
      const kettles = new Map<number, { start: number; end: number }>();
      let occupied = false;
      for (let t = day + 5 * HOUR; t < day + 11 * HOUR; t += 30_000) {
        if (sim.occupancy(t).awake > 0) occupied = true;
        for (const a of sim.appliances(t)) if (a.name === 'kettle') kettles.set(a.start, a);
      }
      if (occupied) occupiedMornings++;
      if (kettles.size > 0) withKettle++;
      for (const { start, end } of kettles.values()) {
        expect(end - start).toBeGreaterThanOrEqual(2 * MIN);
        expect(end - start).toBeLessThanOrEqual(4 * MIN);
        // The rise in measured power when the kettle switches on is its element's 2–3 kW.
        const before = within(power, start - 30_000, start).map((r) => r.v);
        const during = within(power, start + 20_000, end - 10_000).map((r) => r.v);
        const rise = Math.min(...during) - Math.max(...before);
        expect(rise).toBeGreaterThan(1800);
        expect(Math.max(...during)).toBeLessThan(3000 + Math.max(...before) + 2500);
      }
    }
    expect(occupiedMornings).toBeGreaterThan(DAYS / 2);
    expect(withKettle).toBeGreaterThanOrEqual(Math.ceil(occupiedMornings * 0.7));
  });

  it('keeps room and outdoor temperatures plausible and continuous', () => {
    const outdoor = data.get('sim.outdoor.temperature')!.map((r) => r.v);
    expect(Math.min(...outdoor)).toBeGreaterThan(-15);
    expect(Math.max(...outdoor)).toBeLessThan(20); // January
    for (const room of ['living', 'kitchen', 'bedroom']) {
      const temps = data.get(`sim.${room}.temperature`)!;
      expect(temps).toHaveLength(DAYS * 1440);
      const values = temps.map((r) => r.v);
      expect(Math.min(...values), room).toBeGreaterThan(8);
      expect(Math.max(...values), room).toBeLessThan(26);
      for (let i = 1; i < temps.length; i++) expect(Math.abs(values[i] - values[i - 1])).toBeLessThan(0.15);
      // Heated rooms sit warmer than the January outdoors while people are up.
      const awake = temps.filter((r) => sim.occupancy(r.t).awake > 0).map((r) => r.v);
      expect(mean(awake) - mean(outdoor), room).toBeGreaterThan(8);
    }
    for (const room of ['living', 'kitchen', 'bedroom']) {
      const values = new Set(data.get(`sim.${room}.occupancy`)!.map((r) => r.v));
      expect([...values].every((v) => v === 0 || v === 1)).toBe(true);
    }
    const bedroomAt3 = data.get('sim.bedroom.occupancy')!.filter((r) => (r.t - START) % DAY === 3 * HOUR);
    expect(bedroomAt3.filter((r) => r.v === 1).length).toBeGreaterThanOrEqual(DAYS - 4);
  });
});

describe('HouseholdSimulator seasons and options', () => {
  it('follows the seasons outdoors (hourly over a year)', () => {
    const sim = new HouseholdSimulator({ seed: 21 });
    const byMonth: number[][] = Array.from({ length: 12 }, () => []);
    for (let t = Date.UTC(2023, 0, 1); t < Date.UTC(2024, 0, 1); t += HOUR) {
      const v = sim.outdoorTemperatureAt(t);
      expect(v).toBeGreaterThan(-15);
      expect(v).toBeLessThan(35);
      byMonth[new Date(t).getUTCMonth()].push(v);
    }
    const january = mean(byMonth[0]);
    const july = mean(byMonth[6]);
    expect(july - january).toBeGreaterThan(8);
    expect(january).toBeLessThan(8);
    expect(july).toBeGreaterThan(13);
  });

  it('keeps summer rooms unheated but plausible', () => {
    const sim = new HouseholdSimulator({ seed: 4 });
    const from = Date.UTC(2024, 6, 1);
    const data = collect(sim, from, from + 3 * DAY);
    for (const room of ['living', 'kitchen', 'bedroom']) {
      const values = data.get(`sim.${room}.temperature`)!.map((r) => r.v);
      expect(Math.min(...values)).toBeGreaterThan(12);
      expect(Math.max(...values)).toBeLessThan(32);
    }
  });

  it('adds evening EV charging and electric showers when enabled', () => {
    const plain = new HouseholdSimulator({ seed: 6 });
    const equipped = new HouseholdSimulator({ seed: 6, ev: true, electricShower: true });
    const seen = new Set<string>();
    let plainKwh = 0;
    let equippedKwh = 0;
    for (let d = 0; d < 7; d++) {
      const day = START + d * DAY;
      for (let t = day; t < day + DAY; t += MIN) {
        for (const a of equipped.appliances(t)) {
          seen.add(a.name);
          if (a.name === 'ev_charger') {
            const localHour = ((t - day) / HOUR) % 24;
            expect(localHour >= 17 || localHour < 2).toBe(true);
            expect(a.watts).toBeGreaterThan(1500);
          }
          if (a.name === 'shower') expect(a.watts).toBeGreaterThanOrEqual(8500);
        }
        for (const a of plain.appliances(t)) expect(['ev_charger', 'shower']).not.toContain(a.name);
      }
      plainKwh += plain.energyAt(day + DAY) - plain.energyAt(day);
      equippedKwh += equipped.energyAt(day + DAY) - equipped.energyAt(day);
    }
    expect(seen).toContain('ev_charger');
    expect(seen).toContain('shower');
    expect(equippedKwh - plainKwh).toBeGreaterThan(10);
  });

  it('shifts the daily routine with the time zone', () => {
    const utc = new HouseholdSimulator({ seed: 8 });
    const tokyo = new HouseholdSimulator({ seed: 8, timezoneOffsetMinutes: 540 });
    // 03:00 local in Tokyo is 18:00 UTC the day before: asleep there, usually awake in the UTC home.
    const t = START + 2 * DAY - 21 * HOUR;
    expect(tokyo.occupancy(t).awake).toBe(0);
    expect(tokyo.appliances(t).every((a) => a.name === 'fridge' || a.name === 'freezer')).toBe(true);
    expect(utc.occupancy(START + 3 * HOUR).awake).toBe(0);
  });
});
