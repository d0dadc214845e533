/**
 * A small JSON path: `a.b[0].c`, `['key with spaces']`, `["a"]`. Used by the generic mapping
 * (`path`) and by Home Assistant value templates (`value_json.a['b']`).
 */

export type PathSegment = string | number;

/**
 * Parses a path into segments; returns `undefined` when the text is not a path this module accepts.
 * The empty path has no segments (the whole value).
 *
 * @example
 * ```ts
 * parsePath("a.b[0]['c d']"); // ['a', 'b', 0, 'c d']
 * ```
 */
export function parsePath(text: string, { leadingDot = false } = {}): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  let rest = text;
  let first = !leadingDot;
  while (rest !== '') {
    const ident = (first ? /^([A-Za-z0-9_$:-]+)/ : /^\.([A-Za-z0-9_$:-]+)/).exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    const quoted = /^\[(?:'([^']*)'|"([^"]*)")\]/.exec(rest);
    if (ident) segments.push(ident[1]);
    else if (index) segments.push(Number(index[1]));
    else if (quoted) segments.push(quoted[1] ?? quoted[2]);
    else return undefined;
    rest = rest.slice((ident ?? index ?? quoted)![0].length);
    first = false;
  }
  return segments;
}

/** The value at `segments` inside `value`, or `undefined` when any step is missing. */
export function getPath(value: unknown, segments: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}
