import { createHash } from 'node:crypto';

/** Longest slug `slugify` returns by default: leaves room for `z2m.` and a property in 64 characters. */
export const MAX_SLUG_LENGTH = 36;

/**
 * Turns a device name into one datasource-id segment: lower-case `[a-z0-9_-]`, no dots (dots
 * separate id segments). Names that are already such a segment are kept as they are; any other
 * name (upper case, spaces, accents, too long) gets a 6-hex-digit suffix from a SHA-256 of the exact
 * name, so `Living Room` and `living room` get different, stable ids instead of colliding.
 *
 * @example
 * ```ts
 * slugify('0x04cf8cdf3c8a82e0'); // '0x04cf8cdf3c8a82e0'
 * slugify('Living Room');        // 'living-room-' + 6 hex digits
 * slugify('DS18B20-1', 16, { caseInsensitive: true }); // 'ds18b20-1' (for names whose case carries no meaning)
 * ```
 */
export function slugify(name: string, maxLength = MAX_SLUG_LENGTH, { caseInsensitive = false } = {}): string {
  // pure, and called per message with the same few device names: remember the answers
  const key = `${caseInsensitive ? 'i' : 's'}${maxLength}\u0000${name}`;
  const known = SLUGS.get(key);
  if (known !== undefined) return known;
  const slug = computeSlug(name, maxLength, caseInsensitive);
  if (SLUGS.size >= 10_000) SLUGS.clear();
  SLUGS.set(key, slug);
  return slug;
}

const SLUGS = new Map<string, string>();

function computeSlug(name: string, maxLength: number, caseInsensitive: boolean): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '');
  const same = caseInsensitive ? base === name.toLowerCase() : base === name;
  if (same && base.length > 0 && base.length <= maxLength) return base;
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 6);
  const head = base.slice(0, maxLength - 7).replace(/-+$/, '');
  return head === '' ? `x-${hash}` : `${head}-${hash}`;
}
