import { BadRequestError } from '../../errors.ts';

/** A `datetime-local` value read as UTC (the dashboard labels its time fields UTC). */
export function parseUtc(value: unknown, field: string): number {
  if (typeof value !== 'string' || value.trim() === '')
    throw new BadRequestError(`${field}: a date and time is needed`);
  const text = /Z$|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`;
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new BadRequestError(`${field}: "${value}" is not a date and time such as 2024-03-01T00:00`);
  return t;
}

/** The `datetime-local` text of a time, in UTC, to the minute. */
export function utcInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

export function text(form: Record<string, unknown>, name: string): string {
  const v = form[name];
  return typeof v === 'string' ? v.trim() : '';
}
