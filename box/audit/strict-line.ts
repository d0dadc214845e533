/**
 * Byte-exact checks of one JSON Lines export row: a row must be exactly the line the box writes
 * for the entry it parses to, so a duplicate key (which JSON parsers resolve differently), a
 * number written another way (`3025.0`, `1e3`), extra spaces or a reordered key are refused
 * instead of being read as something other than what was hashed.
 */

/** The first duplicate object key in JSON `text` (a JSON path like `details.kWh`), or null. */
export function duplicateKey(text: string): string | null {
  const stack: Array<{ keys: Set<string> | null; path: string; key: string | null }> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const path = top.path ? `${top.path}.${key}` : key;
        if (top.keys.has(key)) return path;
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      const top = stack[stack.length - 1];
      const path = top?.key && top.keys ? (top.path ? `${top.path}.${top.key}` : top.key) : (top?.path ?? '');
      stack.push({ keys: c === '{' ? new Set() : null, path, key: null });
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectKey = stack[stack.length - 1]?.keys != null;
    }
  }
  return null;
}

/** Why `text` differs from `canonical` (the line re-serialised), for the error message. */
export function canonicalDifference(text: string, canonical: string): string {
  const dup = duplicateKey(text);
  if (dup !== null) return `duplicate key "${dup}" (parsers disagree on which value counts)`;
  let at = 0;
  while (at < text.length && text[at] === canonical[at]) at++;
  const number = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(Math.max(0, backToToken(text, at))));
  const found = text.slice(at, at + 20);
  const expected = canonical.slice(at, at + 20);
  const hint = number && /[.eE]/.test(number[0]) ? ' (a number not in canonical form)' : '';
  return `the line is not in canonical form at column ${at + 1}${hint}: found ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`;
}

function backToToken(text: string, at: number): number {
  let i = at;
  while (i > 0 && /[-\d.eE+]/.test(text[i - 1])) i--;
  return i;
}
