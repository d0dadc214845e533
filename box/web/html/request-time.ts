import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareHandler } from 'hono';
import { LocalTime } from '../../time/local-time.ts';
import { readTimeSettings } from '../../time/time-settings.ts';
import type { WebEnv } from '../web-env.ts';

/**
 * The box's zone and locale for the request being rendered. Page helpers such as `time()` are
 * called deep inside templates (and by pages other files own), so they find the formatter here
 * rather than through a parameter every caller would have to thread through.
 */
const current = new AsyncLocalStorage<LocalTime>();

const UTC = LocalTime.of({ timeZone: 'Etc/UTC', locale: 'en-GB' });

/** Formatters by zone and locale: six Intl formats each, built once rather than per request. */
function localTimeOf(timeZone: string, locale: string): LocalTime {
  return LocalTime.of({ timeZone, locale });
}

/**
 * Middleware: reads the box's time settings once per request (a kv lookup) and makes them the
 * request's {@link requestLocalTime}. Mount it after the one that sets `parts`.
 */
export function localTimes(): MiddlewareHandler<WebEnv> {
  return (c, next) => {
    const { timeZone, locale } = readTimeSettings(c.var.parts.store);
    return current.run(localTimeOf(timeZone, locale), next);
  };
}

/**
 * The request's {@link LocalTime}; outside a request (a unit test rendering a fragment) UTC in
 * en-GB, which the zone label then says.
 *
 * @example
 * requestLocalTime().dateTime(Date.now()); // '25 Oct 2026, 02:30' in the box's zone
 */
export function requestLocalTime(): LocalTime {
  return current.getStore() ?? UTC;
}
