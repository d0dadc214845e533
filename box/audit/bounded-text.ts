import { hash } from 'node:crypto';

/**
 * App-, device- and payload-controlled text in audit `details` is bounded: the trail is never
 * erased, so whatever enters it stays (an unbounded export destination id and 2,000 characters of
 * error text once carried 336 readings into one entry). See docs/audit.md, *What never enters*.
 */

/** Characters of one string kept in `details`; the rest is replaced by a `…(N more)` marker. */
export const MAX_AUDIT_TEXT = 200;

// Deeper than any details object the box writes; past it values are left to canonicalJson.
const MAX_DEPTH = 32;

/**
 * `text` itself when it has at most `max` characters, else its first `max` characters and
 * `…(N more)`. Never cuts a surrogate pair in two (a lone surrogate is not valid JSON text).
 *
 * @example
 * boundText('x'.repeat(205), 200); // 'xxx…x…(5 more)' (200 x's)
 */
export function boundText(text: string, max = MAX_AUDIT_TEXT): string {
  if (text.length <= max) return text;
  let cut = max;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…(${text.length - cut} more)`;
}

/**
 * A short digest of text that must not appear in the trail itself (e.g. an undeclared export
 * destination id): `sha256:` and the first 16 hex digits of SHA-256 over its UTF-8. Whoever
 * holds the text can match it; 64 bits do not let anyone read it back from the digest.
 */
export function textDigest(text: string): string {
  return `sha256:${hash('sha256', text, 'hex').slice(0, 16)}`;
}

/**
 * A copy of `details` with every string value bounded by {@link boundText} (in plain objects and
 * arrays, at any depth; keys are not changed). `AuditLog.append` applies it to every entry, so a
 * call site that forgets to bound app text still cannot put more than {@link MAX_AUDIT_TEXT}
 * characters of it into one value. Anything that is not plain JSON is passed through unchanged
 * for `canonicalJson` to refuse with its path.
 */
export function boundDetails(details: Record<string, unknown>): Record<string, unknown> {
  return bound(details, 0) as Record<string, unknown>;
}

function bound(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return boundText(value);
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    // holes stay holes (map skips them), so canonicalJson still names a sparse array
    return value.map((item) => bound(item, depth + 1));
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = bound(item, depth + 1);
  return out;
}
