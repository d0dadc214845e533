import { z } from 'zod';
import { BadRequestError, issuesToDetails } from '../errors.ts';
import type { Store } from '../store/store.ts';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day such as 07:30');
const rate = z.number().min(0).max(100);

/** A period of a time-of-use tariff: `from`–`to` local time (may wrap past midnight) at `rate`. */
const periodSchema = z.strictObject({ from: hhmm, to: hhmm, rate });

/**
 * The box's electricity tariff (kv `box/tariff`): money per kWh by local time, a standing charge
 * per local day and the box's currency.
 * - `flat`: one rate;
 * - `day-night` (Economy 7 style): `nightRate` from `nightFrom` to `nightTo`, else `rate`;
 * - `time-of-use`: `periods` (e.g. 16:00–19:00 peak), `rate` outside them;
 * - `series`: the rate of a price datasource (an Octopus Agile import, kind
 *   `price.electricity.import`, one reading at the start of each rate period), `rate` where it has none.
 */
export const tariffSchema = z.strictObject({
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as GBP or EUR'),
  kind: z.enum(['flat', 'day-night', 'time-of-use', 'series']),
  rate,
  standingPerDay: rate.default(0),
  nightRate: rate.optional(),
  nightFrom: hhmm.optional(),
  nightTo: hhmm.optional(),
  periods: z.array(periodSchema).max(48).default([]),
  priceSource: z.string().optional(),
});
export type Tariff = z.infer<typeof tariffSchema>;

const KEY = 'tariff';

/** The tariff set on the box, or undefined. */
export function readTariff(store: Store): Tariff | undefined {
  const saved = store.kv.get('box', KEY);
  const parsed = tariffSchema.safeParse(saved);
  return parsed.success ? parsed.data : undefined;
}

/** Validates (every error listed as `path: message`) and saves the tariff, audited as `settings.change`. */
export function saveTariff(store: Store, input: unknown, actor = 'user'): Tariff {
  const parsed = tariffSchema.safeParse(input);
  if (!parsed.success)
    throw new BadRequestError('the tariff is not valid', {
      details: issuesToDetails(parsed.error.issues, 'tariff'),
    });
  const tariff = parsed.data;
  if (tariff.kind === 'day-night' && (tariff.nightRate === undefined || !tariff.nightFrom || !tariff.nightTo))
    throw new BadRequestError('tariff: a day/night tariff needs nightRate, nightFrom and nightTo');
  if (tariff.kind === 'series' && !tariff.priceSource)
    throw new BadRequestError('tariff.priceSource: a price-series tariff needs its price datasource');
  if (tariff.kind === 'series') store.getDatasource(tariff.priceSource as string);
  const before = store.kv.get('box', KEY) ?? null;
  store.transaction(() => {
    store.kv.set('box', KEY, tariff, store.now());
    store.audit.append({
      actor,
      action: 'settings.change',
      subject: KEY,
      details: { from: before, to: tariff },
    });
  });
  return tariff;
}

const minutes = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3));

/** True when local minute-of-day `m` is in `[from, to)`, which may wrap past midnight. */
function within(m: number, from: string, to: string): boolean {
  const a = minutes(from);
  const b = minutes(to);
  return a <= b ? m >= a && m < b : m >= a || m < b;
}

/**
 * The unit rate of a fixed-schedule tariff at local minute-of-day `minute` (`series` tariffs are
 * priced from their datasource by the costing, this gives their fallback).
 *
 * @example
 * ```ts
 * rateAtMinute({ kind: 'day-night', rate: 0.3, nightRate: 0.1, nightFrom: '00:30', nightTo: '07:30', … }, 60); // 0.1
 * ```
 */
export function rateAtMinute(tariff: Tariff, minute: number): number {
  if (
    tariff.kind === 'day-night' &&
    tariff.nightFrom &&
    tariff.nightTo &&
    within(minute, tariff.nightFrom, tariff.nightTo)
  )
    return tariff.nightRate ?? tariff.rate;
  if (tariff.kind === 'time-of-use')
    for (const p of tariff.periods) if (within(minute, p.from, p.to)) return p.rate;
  return tariff.rate;
}
