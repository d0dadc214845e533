/**
 * The shape `parseTelegram` returns. Units are normalised: energy kWh, power W, voltage V,
 * current A, gas/water m³; times are ms since the Unix epoch (UTC). A field is `null` when the
 * meter did not send it.
 */

/** One COSEM object line as sent, e.g. `1-0:1.8.1(000004.426*kWh)` → obis `1-0:1.8.1`, values `['000004.426*kWh']`. */
export interface ObisLine {
  obis: string;
  /** The bracketed values in order, without brackets (DSMR 2.2 continuation lines are appended). */
  values: string[];
  /** 1-based line number within the telegram (the header is line 1). */
  line: number;
}

export interface TelegramCrc {
  /** The 4 hex digits after `!`, or `null` when the telegram has none (DSMR 2.2/3.0). */
  given: string | null;
  /** CRC16/ARC over `/` … `!` as 4 upper-case hex digits. */
  computed: string;
  /** `true`/`false` when a CRC was given, `null` when there was none. */
  valid: boolean | null;
}

/** A register per tariff (DSMR: 1 = low/night in NL, 1 = day in BE) plus their sum. */
export interface TariffRegisters {
  /** kWh per tariff number, e.g. `{ 1: 4.426, 2: 2.399 }`. */
  byTariff: Record<number, number>;
  /** Sum of all tariff registers, `null` when there are none. */
  total: number | null;
}

export interface PhaseValues {
  /** 1, 2 or 3. */
  phase: number;
  voltageV: number | null;
  currentA: number | null;
  powerDeliveredW: number | null;
  powerReturnedW: number | null;
  voltageSags: number | null;
  voltageSwells: number | null;
}

/** One entry of the power-failure event log (`1-0:99.97.0`). */
export interface PowerFailure {
  /** When the failure ended, ms UTC. */
  end: number | null;
  durationS: number;
}

/** One month of the Belgian capacity-tariff peak history (`0-0:98.1.0`). */
export interface MonthlyPeak {
  /** Start of the month the peak belongs to, ms UTC. */
  month: number | null;
  /** When the 15-minute peak occurred, ms UTC. */
  t: number | null;
  powerW: number;
}

/** Belgian (e-MUCS) capacity tariff values. */
export interface CapacityTariff {
  /** Current 15-minute average demand (`1-0:1.4.0`), W. */
  currentAverageDemandW: number | null;
  /** Highest 15-minute average of this month (`1-0:1.6.0`) and when it occurred. */
  monthPeak: { t: number | null; powerW: number } | null;
  /** Peaks of previous months (`0-0:98.1.0`), newest first as sent. */
  history: MonthlyPeak[];
}

/** M-Bus device types (EN 13757-3) that DSMR meters relay. */
export type MbusKind = 'gas' | 'heat' | 'warm-water' | 'water' | 'cooling' | 'other';

/** A device on an M-Bus channel (`0-n:…`), typically the gas meter. */
export interface MbusChannel {
  /** Channel number `n` (1–4). */
  channel: number;
  /** Device type as sent (`003` → 3), `null` when missing. */
  deviceType: number | null;
  kind: MbusKind;
  equipmentId: string | null;
  /** Valve position (`0-n:24.4.0`), when sent. */
  valve: number | null;
  /** The last reading with the device's own capture time; `null` when the channel sent none. */
  reading: { t: number | null; value: number; unit: string } | null;
}

export interface DsmrTelegram {
  /** Header line without the leading `/`, e.g. `ISk5\2MT382-1000`. */
  header: string;
  /** First 3 characters of the header: the manufacturer's FLAG id (e.g. `ISk`, `KFM`, `FLU`). */
  manufacturer: string;
  /** Version from `1-3:0.2.8` (e.g. `50`) or, for Belgian meters, `0-0:96.1.4` (e.g. `50217`). */
  version: string | null;
  /** Telegram time (`0-0:1.0.0`), ms UTC; `null` for DSMR 2.2/3.0 which send none. */
  timestamp: number | null;
  crc: TelegramCrc;
  /** Every object line, including ones this parser has no typed field for. */
  lines: ObisLine[];
  /** Electricity meter equipment id (`0-0:96.1.1`), as sent (usually hex-encoded ASCII). */
  equipmentId: string | null;
  energyImport: TariffRegisters;
  energyExport: TariffRegisters;
  /** Active tariff (`0-0:96.14.0`), e.g. 2. */
  tariff: number | null;
  powerDeliveredW: number | null;
  powerReturnedW: number | null;
  /** Power threshold (`0-0:17.0.0`), W. */
  thresholdW: number | null;
  /** Breaker state (`0-0:96.3.10`). */
  switchPosition: number | null;
  /** Per phase, only phases with at least one value. */
  phases: PhaseValues[];
  /** Number of power failures in any phase (`0-0:96.7.21`). */
  shortPowerFailures: number | null;
  /** Number of long power failures (`0-0:96.7.9`). */
  longPowerFailures: number | null;
  powerFailureLog: PowerFailure[];
  /** Text message (`0-0:96.13.0`), hex-decoded when it is hex; `null` when empty or missing. */
  textMessage: string | null;
  /** Belgian capacity tariff, `null` when the meter sends none of its objects. */
  capacity: CapacityTariff | null;
  mbus: MbusChannel[];
  /** Lines that could not be read, with their line numbers; the rest of the telegram still parses. */
  warnings: string[];
}
