/**
 * MQTT topic filters (MQTT 3.1.1 §4.7): `+` matches exactly one level, `#` (last) matches the
 * parent level and any number of levels below; wildcards at the first level never match topics
 * that start with `$` (such as `$SYS/...`).
 */

/** Whether `filter` is a valid MQTT topic filter; returns the problem, or undefined when valid. */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter === '') return 'topic filter is empty';
  const levels = filter.split('/');
  for (const [i, level] of levels.entries()) {
    if (level === '#' && i !== levels.length - 1) return '"#" must be the last level';
    if (level !== '#' && level !== '+' && /[+#]/.test(level)) {
      return `"${level}": "+" and "#" must fill a whole level`;
    }
  }
  return undefined;
}

/**
 * Matches `topic` against `filter`; returns the wildcard captures (one per `+`, then the rest of
 * the topic for `#`) or `null` when it does not match.
 *
 * @example
 * ```ts
 * matchTopic('home/+/temp', 'home/kitchen/temp'); // ['kitchen']
 * matchTopic('home/#', 'home/a/b');              // ['a/b']
 * matchTopic('home/+/temp', 'home/a/b/temp');    // null
 * ```
 */
export function matchTopic(filter: string, topic: string): string[] | null {
  const f = filter.split('/');
  const t = topic.split('/');
  const captures: string[] = [];
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return null;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') {
      captures.push(t.slice(i).join('/'));
      return captures;
    }
    if (i >= t.length) return null;
    if (f[i] === '+') captures.push(t[i]);
    else if (f[i] !== t[i]) return null;
  }
  return f.length === t.length ? captures : null;
}
