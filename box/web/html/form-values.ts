import { BadRequestError } from '../../errors.ts';
import type { LocalTime } from '../../time/local-time.ts';

/**
 * A `datetime-local` value (or a date alone) read on the box's clock: the dashboard labels its
 * time fields with the zone. A value with an explicit offset or `Z` is taken as it is.
 */
export function parseLocal(lt: LocalTime, value: unknown, field: string): number {
  if (typeof value !== 'string' || value.trim() === '')
    throw new BadRequestError(`${field}: a date and time is needed`);
  const exact = /(Z|[+-]\d\d:\d\d)$/.test(value.trim()) ? Date.parse(value.trim()) : Number.NaN;
  const t = Number.isNaN(exact) ? lt.parseWall(value) : exact;
  if (t === undefined)
    throw new BadRequestError(
      `${field}: "${value}" is not a date and time such as 2026-03-01T00:00 (${lt.timeZone})`,
    );
  return t;
}

export function text(form: Record<string, unknown>, name: string): string {
  const v = form[name];
  return typeof v === 'string' ? v.trim() : '';
}
