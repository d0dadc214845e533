import { z } from 'zod';
import { BadRequestError, issuesToDetails } from '../errors.ts';
import type { AuditFilter } from './types.ts';

/** `exact` or `prefix*`: what the actor and action filters accept. */
const matchPattern = z
  .string()
  .max(100)
  .regex(/^[a-z0-9_.:-]*\*?$/, 'must be a name, or a prefix ending in * (e.g. readings.*)');

/** zod schema of {@link AuditFilter}, for the HTTP API and CLI to reuse at their edges. */
export const auditFilterSchema = z.strictObject({
  since: z.number().int().optional(),
  until: z.number().int().optional(),
  actor: matchPattern.optional(),
  action: matchPattern.optional(),
  subject: z.string().max(256).optional(),
  afterSeq: z.number().int().nonnegative().optional(),
  limit: z.number().int().positive().optional(),
  order: z.enum(['asc', 'desc']).optional(),
});

/** Validates a filter, throwing BadRequestError with one detail per problem (`filter.limit: …`). */
export function parseAuditFilter(filter: AuditFilter): AuditFilter {
  const result = auditFilterSchema.safeParse(filter);
  if (!result.success) {
    throw new BadRequestError('invalid audit filter', {
      details: issuesToDetails(result.error.issues, 'filter'),
    });
  }
  return result.data;
}

/** The WHERE clause (possibly empty) and its parameters for a validated filter. */
export function filterWhere(
  filter: AuditFilter,
  extra: { maxSeq?: number } = {},
): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    clauses.push(clause);
    params.push(...values);
  };
  if (filter.since !== undefined) add('ts >= ?', filter.since);
  if (filter.until !== undefined) add('ts < ?', filter.until);
  if (filter.actor !== undefined) addMatch(add, 'actor', filter.actor);
  if (filter.action !== undefined) addMatch(add, 'action', filter.action);
  if (filter.subject !== undefined) add('subject = ?', filter.subject);
  if (filter.afterSeq !== undefined) add(filter.order === 'desc' ? 'seq < ?' : 'seq > ?', filter.afterSeq);
  if (extra.maxSeq !== undefined) add('seq <= ?', extra.maxSeq);
  return { where: clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '', params };
}

/**
 * Exact match, or a prefix match written as a range (`action >= 'readings.' AND action < 'readings/'`)
 * so it uses the index and stays case-sensitive, unlike LIKE.
 */
function addMatch(
  add: (clause: string, ...values: unknown[]) => void,
  column: string,
  pattern: string,
): void {
  if (!pattern.endsWith('*')) {
    add(`${column} = ?`, pattern);
    return;
  }
  const prefix = pattern.slice(0, -1);
  if (prefix === '') return;
  const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  add(`${column} >= ? AND ${column} < ?`, prefix, upper);
}
