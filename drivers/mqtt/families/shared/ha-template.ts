/**
 * The few Home Assistant `value_template` forms MQTT devices actually publish, compiled without a
 * template engine: `{{ value }}`, `{{ value_json.a.b }}`, `{{ value_json['a'] }}`,
 * `{{ value_json.a[0] }}`, followed by any of the filters `float`, `float(d)`, `int`, `int(d)`,
 * `round`, `round(n)`. Anything else (arithmetic, conditionals, other filters) is refused: a config
 * arriving over MQTT must not make the box evaluate arbitrary code.
 */
import { getPath, type PathSegment, parsePath } from './json-path.ts';
import { numberFromText } from './payload.ts';

type Filter = { name: 'float' | 'int'; fallback?: number } | { name: 'round'; digits: number };

/** A filter met a value it cannot convert (e.g. `float` of `"unavailable"` without a default). */
export class TemplateValueError extends Error {}

/** A compiled template; `render` returns `undefined` when the path is missing from the payload and throws
 * {@link TemplateValueError} when a filter cannot convert the value. */
export interface ValueTemplate {
  source: string;
  render(payloadText: string, payloadJson: () => unknown): unknown;
}

/**
 * Compiles a template, or returns the reason it is not supported.
 *
 * @example
 * ```ts
 * const t = compileValueTemplate('{{ value_json.temperature | float | round(1) }}');
 * if (typeof t !== 'string') t.render('{"temperature":23.24}', () => ({ temperature: 23.24 })); // 23.2
 * ```
 */
export function compileValueTemplate(source: string): ValueTemplate | string {
  const body = /^\s*\{\{(.*)\}\}\s*$/s.exec(source);
  if (!body) return `value_template "${source}" is not a single {{ ... }} expression`;
  const [expression, ...filterTexts] = body[1].split('|').map((part) => part.trim());
  let path: PathSegment[] | undefined;
  let json = false;
  if (expression === 'value') path = [];
  else if (expression.startsWith('value_json')) {
    json = true;
    path = parsePath(expression.slice('value_json'.length), { leadingDot: true });
  }
  if (path === undefined) return `value_template "${source}": only value and value_json paths are supported`;
  const filters: Filter[] = [];
  for (const text of filterTexts) {
    const cast = /^(float|int)(?:\(\s*(-?\d+(?:\.\d+)?)\s*\))?$/.exec(text);
    const round = /^round(?:\(\s*(\d+)\s*\))?$/.exec(text);
    if (cast)
      filters.push({
        name: cast[1] as 'float' | 'int',
        fallback: cast[2] === undefined ? undefined : Number(cast[2]),
      });
    else if (round) filters.push({ name: 'round', digits: Number(round[1] ?? 0) });
    else return `value_template "${source}": filter "${text}" is not supported (only float, int, round)`;
  }
  const segments = path;
  return {
    source,
    render(payloadText, payloadJson) {
      let value: unknown = json ? getPath(payloadJson(), segments) : payloadText;
      if (value === undefined) return undefined;
      for (const filter of filters) value = applyFilter(filter, value);
      return value;
    },
  };
}

function applyFilter(filter: Filter, value: unknown): unknown {
  if (filter.name === 'round') {
    const n = toNumber(value);
    if (n === undefined) return value;
    const scale = 10 ** filter.digits;
    return (Math.sign(n) * Math.round(Math.abs(n) * scale)) / scale;
  }
  const n = toNumber(value);
  // As in Home Assistant: the default if one is given, else an error (never a silent 0).
  if (n === undefined) {
    if (filter.fallback !== undefined) return filter.fallback;
    throw new TemplateValueError(`${filter.name} got ${JSON.stringify(value)}, which is not a number`);
  }
  return filter.name === 'int' ? Math.trunc(n) : n;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return numberFromText(value);
  return undefined;
}
