import type { Store } from '../store/store.ts';
import { LocalTime, type TimeSettings } from './local-time.ts';
import { checkLocale, checkTimeZone, systemTimeSettings } from './zone-offsets.ts';

/** kv key (namespace `box`) of the zone and locale set on the dashboard or with `databox time set`. */
const KEY = 'time';

/** Where each setting came from, for the settings screen and `databox time`. */
export interface ResolvedTimeSettings extends TimeSettings {
  source: { timeZone: Source; locale: Source };
}
type Source = 'setting' | 'config' | 'system';

/**
 * The box's zone and locale. The householder's setting (dashboard or `databox time set`) wins,
 * then `timeZone` / `locale` in `config.json` (the box keeps a copy of it in kv `box/config` at
 * each start, which is how the CLI and a second process see it), then the system's.
 *
 * @example
 * ```ts
 * readTimeSettings(store); // { timeZone: 'Europe/Amsterdam', locale: 'nl-NL', source: { … } }
 * ```
 */
export function readTimeSettings(store: Store): ResolvedTimeSettings {
  const saved = (store.kv.get('box', KEY) ?? {}) as Partial<TimeSettings>;
  const config = (store.kv.get('box', 'config') ?? {}) as Partial<TimeSettings>;
  const system = systemTimeSettings();
  const pick = (name: keyof TimeSettings): [string, Source] => {
    for (const [value, source] of [
      [saved[name], 'setting'],
      [config[name], 'config'],
    ] as const)
      if (typeof value === 'string' && value !== '') return [value, source];
    return [system[name], 'system'];
  };
  const [timeZone, zoneSource] = pick('timeZone');
  const [locale, localeSource] = pick('locale');
  return { timeZone, locale, source: { timeZone: zoneSource, locale: localeSource } };
}

/** The box's {@link LocalTime} formatter (zone and locale as {@link readTimeSettings} finds them). */
export function boxLocalTime(store: Store): LocalTime {
  return LocalTime.of(readTimeSettings(store));
}

/**
 * Saves the householder's zone and/or locale (validated: an IANA zone, a BCP 47 tag; an empty
 * string clears that setting, so config.json or the system applies again), audited as
 * `settings.change`.
 */
export function saveTimeSettings(
  store: Store,
  patch: { timeZone?: string; locale?: string },
  actor = 'user',
): ResolvedTimeSettings {
  const before = (store.kv.get('box', KEY) ?? {}) as Partial<TimeSettings>;
  const next: Partial<TimeSettings> = { ...before };
  if (patch.timeZone !== undefined) {
    if (patch.timeZone.trim() === '') delete next.timeZone;
    else next.timeZone = checkTimeZone(patch.timeZone.trim());
  }
  if (patch.locale !== undefined) {
    if (patch.locale.trim() === '') delete next.locale;
    else next.locale = checkLocale(patch.locale.trim());
  }
  store.transaction(() => {
    store.kv.set('box', KEY, next, store.now());
    store.audit.append({
      actor,
      action: 'settings.change',
      subject: KEY,
      details: { from: before, to: next },
    });
  });
  return readTimeSettings(store);
}
