import { z } from 'zod';

/**
 * A time in a query string: milliseconds since the epoch (`1767225600000`) or an ISO 8601 date
 * (`2026-01-01T00:00:00Z`, `2026-01-01`).
 */
export const timeParam = z.string().transform((text, ctx) => {
  const ms = /^-?\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a time (ms since 1970 or an ISO 8601 date)` });
    return z.NEVER;
  }
  return ms;
});
