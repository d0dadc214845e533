import { parseDsmrTimestamp } from './dsmr-timestamp.ts';
import { parseInteger, toBoxUnit } from './obis-value.ts';
import type { MbusChannel, MbusKind, ObisLine } from './telegram.ts';

const KINDS: Record<number, MbusKind> = {
  3: 'gas',
  4: 'heat',
  6: 'warm-water',
  7: 'water',
  10: 'cooling',
  11: 'cooling',
  12: 'heat',
};

/** Reads a meter value in whichever box unit fits (m³ for gas/water, GJ or kWh for heat). */
function meterValue(text: string, defaultUnit?: string): { value: number; unit: string } | null {
  for (const unit of ['m³', 'GJ', 'kWh']) {
    const value = toBoxUnit(text, unit, defaultUnit);
    if (value !== null) return { value, unit };
  }
  return null;
}

/**
 * Collects the M-Bus channels (`0-n:24.x`, `0-n:96.1.x`, n = 1…4): device type, equipment id,
 * valve and the last reading with the device's own capture time. Understands the DSMR 4/5 form
 * `0-1:24.2.1(ts)(value*m3)`, the Belgian `0-1:24.2.3`, and the DSMR 2.2 two-line form
 * `0-1:24.3.0(ts)(00)(60)(1)(0-1:24.2.1)(m3)` + `(value)`. A channel whose capture time is not a
 * valid date (meters send `632525252525W` when the device never reported) gets `reading: null`.
 *
 * @example
 * ```ts
 * readMbusChannels(lexTelegram(text).lines, warnings);
 * // [{ channel: 1, deviceType: 3, kind: 'gas', reading: { t: 1483369805000, value: 0.107, unit: 'm³' }, ... }]
 * ```
 */
export function readMbusChannels(lines: ObisLine[], warnings: string[]): MbusChannel[] {
  const channels = new Map<number, MbusChannel>();
  const channel = (n: number): MbusChannel => {
    let c = channels.get(n);
    if (!c) {
      c = { channel: n, deviceType: null, kind: 'other', equipmentId: null, valve: null, reading: null };
      channels.set(n, c);
    }
    return c;
  };
  const readings = new Map<
    number,
    { priority: number; line: ObisLine; ts: string; value: string; unit?: string }
  >();
  for (const line of lines) {
    const m = /^0-([1-4]):(24\.1\.0|24\.2\.1|24\.2\.3|24\.3\.0|24\.4\.0|96\.1\.0|96\.1\.1)$/.exec(line.obis);
    if (!m) continue;
    const n = Number(m[1]);
    const c = channel(n);
    const [first = ''] = line.values;
    switch (m[2]) {
      case '24.1.0':
        c.deviceType = parseInteger(first);
        c.kind = (c.deviceType !== null && KINDS[c.deviceType]) || 'other';
        break;
      case '24.4.0':
        c.valve = parseInteger(first);
        break;
      case '96.1.0':
      case '96.1.1':
        c.equipmentId = first === '' ? null : first;
        break;
      case '24.3.0': {
        // DSMR 2.2: (ts)(period)(..)(..)(obis)(unit) then the value on the next line.
        const v = line.values;
        if (v.length >= 7) readings.set(n, { priority: 0, line, ts: v[0], value: v[6], unit: v[5] });
        break;
      }
      default: {
        const priority = m[2] === '24.2.1' ? 2 : 1;
        const previous = readings.get(n);
        if (line.values.length >= 2 && (!previous || previous.priority < priority)) {
          readings.set(n, { priority, line, ts: line.values[0], value: line.values[1] });
        }
      }
    }
  }
  for (const [n, r] of readings) {
    const t = parseDsmrTimestamp(r.ts);
    const value = meterValue(r.value, r.unit);
    if (t === null || value === null) {
      warnings.push(`line ${r.line.line}: M-Bus channel ${n} has no valid reading (${r.ts}, ${r.value})`);
      continue;
    }
    channel(n).reading = { t, ...value };
  }
  return [...channels.values()].sort((a, b) => a.channel - b.channel);
}
