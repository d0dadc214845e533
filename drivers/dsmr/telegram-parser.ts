import { parseDsmrTimestamp } from './dsmr-timestamp.ts';
import { decodeHexText, parseInteger, toBoxUnit } from './obis-value.ts';
import type {
  CapacityTariff,
  DsmrTelegram,
  ObisLine,
  PhaseValues,
  PowerFailure,
  TariffRegisters,
} from './telegram.ts';
import { TelegramCrcError } from './telegram-errors.ts';
import { lexTelegram } from './telegram-lexer.ts';
import { readMbusChannels } from './telegram-mbus.ts';

export interface ParseTelegramOptions {
  /**
   * Reject telegrams whose CRC does not match, and DSMR 4+ telegrams (those with a version line or
   * a timestamp) that carry no CRC. Default `true`. With `false` the result still reports
   * `crc.valid`, so callers can count bad telegrams without dropping them.
   */
  requireCrc?: boolean;
}

/** Sums decimal registers without binary noise (registers have at most 3–4 decimals). */
function sum(values: number[]): number | null {
  return values.length === 0 ? null : Number(values.reduce((a, b) => a + b, 0).toFixed(6));
}

function registers(lines: ObisLine[], direction: 1 | 2): TariffRegisters {
  const byTariff: Record<number, number> = {};
  let totalRegister: number | null = null;
  for (const line of lines) {
    const m = /^1-0:(\d+)\.8\.(\d+)$/.exec(line.obis);
    if (!m || Number(m[1]) !== direction) continue;
    const kWh = toBoxUnit(line.values[0] ?? '', 'kWh');
    if (kWh === null) continue;
    if (m[2] === '0') totalRegister = kWh;
    else byTariff[Number(m[2])] = kWh;
  }
  const tariffs = Object.values(byTariff);
  return { byTariff, total: tariffs.length > 0 ? sum(tariffs) : totalRegister };
}

function phases(get: (obis: string) => string | undefined): PhaseValues[] {
  const result: PhaseValues[] = [];
  for (const phase of [1, 2, 3]) {
    const c = 20 * phase; // L1 uses 21/22/31/32, L2 41/42/51/52, L3 61/62/71/72.
    const num = (obis: string, unit: string): number | null => {
      const text = get(obis);
      return text === undefined ? null : toBoxUnit(text, unit);
    };
    const int = (obis: string): number | null => {
      const text = get(obis);
      return text === undefined ? null : parseInteger(text);
    };
    const p: PhaseValues = {
      phase,
      voltageV: num(`1-0:${c + 12}.7.0`, 'V'),
      currentA: num(`1-0:${c + 11}.7.0`, 'A'),
      powerDeliveredW: num(`1-0:${c + 1}.7.0`, 'W'),
      powerReturnedW: num(`1-0:${c + 2}.7.0`, 'W'),
      voltageSags: int(`1-0:${c + 12}.32.0`),
      voltageSwells: int(`1-0:${c + 12}.36.0`),
    };
    if (Object.entries(p).some(([key, value]) => key !== 'phase' && value !== null)) result.push(p);
  }
  return result;
}

function failureLog(line: ObisLine | undefined): PowerFailure[] {
  if (!line) return [];
  // (count)(0-0:96.7.19)(end)(duration*s)…
  const pairs = line.values.slice(2);
  const log: PowerFailure[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const durationS = toBoxUnit(pairs[i + 1], 's', 's');
    if (durationS !== null) log.push({ end: parseDsmrTimestamp(pairs[i]), durationS });
  }
  return log;
}

function capacity(byObis: Map<string, ObisLine>): CapacityTariff | null {
  const demand = byObis.get('1-0:1.4.0');
  const peak = byObis.get('1-0:1.6.0');
  const history = byObis.get('0-0:98.1.0');
  if (!demand && !peak && !history) return null;
  const peakW = peak && peak.values.length >= 2 ? toBoxUnit(peak.values[1], 'W') : null;
  // (count)(1-0:1.6.0)(1-0:1.6.0) then (month start)(peak time)(value*kW) per month.
  const months = history ? history.values.filter((v) => !/^\d+-\d+:/.test(v)).slice(1) : [];
  const entries = [];
  for (let i = 0; i + 2 < months.length; i += 3) {
    const powerW = toBoxUnit(months[i + 2], 'W');
    if (powerW !== null) {
      entries.push({ month: parseDsmrTimestamp(months[i]), t: parseDsmrTimestamp(months[i + 1]), powerW });
    }
  }
  return {
    currentAverageDemandW: demand ? toBoxUnit(demand.values[0] ?? '', 'W') : null,
    monthPeak: peakW === null ? null : { t: parseDsmrTimestamp(peak!.values[0]), powerW: peakW },
    history: entries,
  };
}

/**
 * Parses one P1 telegram (DSMR 2.2 to 5.0.2, Belgian e-MUCS) into typed values in box units, and
 * keeps every object line raw in `lines`. Checks the CRC16 (see {@link ParseTelegramOptions}).
 *
 * @throws TelegramFormatError when there is no `/…!` telegram in the text.
 * @throws TelegramCrcError when `requireCrc` (default) and the CRC is wrong or missing on DSMR 4+.
 * @example
 * ```ts
 * const telegram = parseTelegram(readFileSync('p1.txt'));
 * telegram.timestamp; // 1483381202000 (2017-01-02T18:20:02Z from 170102192002W)
 * telegram.energyImport; // { byTariff: { 1: 4.426, 2: 2.399 }, total: 6.825 }
 * telegram.powerDeliveredW; // 244
 * telegram.mbus[0]; // { channel: 1, kind: 'gas', reading: { t: …, value: 0.107, unit: 'm³' }, … }
 * ```
 */
export function parseTelegram(text: string | Buffer, opts: ParseTelegramOptions = {}): DsmrTelegram {
  const { header, lines, crc, warnings } = lexTelegram(text);
  const byObis = new Map<string, ObisLine>();
  for (const line of lines) if (!byObis.has(line.obis)) byObis.set(line.obis, line);
  const get = (obis: string): string | undefined => byObis.get(obis)?.values[0];
  const version = get('1-3:0.2.8') ?? get('0-0:96.1.4') ?? null;
  const timestampText = get('0-0:1.0.0');

  if (opts.requireCrc !== false) {
    if (crc.valid === false) throw new TelegramCrcError(crc.computed, crc.given, version);
    if (crc.given === null && (version !== null || timestampText !== undefined)) {
      throw new TelegramCrcError(crc.computed, null, version);
    }
  }

  const int = (obis: string): number | null => {
    const v = get(obis);
    return v === undefined ? null : parseInteger(v);
  };
  const num = (obis: string, unit: string): number | null => {
    const v = get(obis);
    return v === undefined ? null : toBoxUnit(v, unit);
  };
  const text96 = get('0-0:96.13.0');
  const equipmentId = get('0-0:96.1.1');

  return {
    header,
    manufacturer: header.slice(0, 3),
    version,
    timestamp: timestampText === undefined ? null : parseDsmrTimestamp(timestampText),
    crc,
    lines,
    equipmentId: equipmentId === undefined || equipmentId === '' ? null : equipmentId,
    energyImport: registers(lines, 1),
    energyExport: registers(lines, 2),
    tariff: int('0-0:96.14.0'),
    powerDeliveredW: num('1-0:1.7.0', 'W'),
    powerReturnedW: num('1-0:2.7.0', 'W'),
    thresholdW: num('0-0:17.0.0', 'W'),
    switchPosition: int('0-0:96.3.10'),
    phases: phases(get),
    shortPowerFailures: int('0-0:96.7.21'),
    longPowerFailures: int('0-0:96.7.9'),
    powerFailureLog: failureLog(byObis.get('1-0:99.97.0')),
    textMessage: text96 === undefined ? null : decodeHexText(text96),
    capacity: capacity(byObis),
    mbus: readMbusChannels(lines, warnings),
    warnings,
  };
}
