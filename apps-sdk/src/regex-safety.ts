import { RegExpParser } from '@eslint-community/regexpp';
import type { Alternative, Element, Node, Pattern } from '@eslint-community/regexpp/ast';

/** Longest `pattern` (or `patternProperties` key) a manifest schema may hold. */
export const MAX_PATTERN_LENGTH = 1000;
/** Largest bound of a counted quantifier (`a{0,1000}`). */
export const MAX_REPEAT = 1000;

// ajv compiles every pattern as `new RegExp(pattern, 'u')`; Node 20 knows ES2023 syntax.
const parser = new RegExpParser({ ecmaVersion: 2023 });

function parse(pattern: string): Pattern {
  return parser.parsePattern(pattern, 0, pattern.length, { unicode: true });
}

const repeats = (n: Node): boolean => n.type === 'Quantifier' && n.max > 1;

/** Why the repeated body `body` (inside `outer`) could match one string in many ways, if it could. */
function ambiguity(body: Node, outer: string): string | undefined {
  let found: string | undefined;
  const visit = (n: Node) => {
    if (found) return;
    if (n.type === 'Quantifier' && n.min !== n.max)
      found = `nests the quantifier "${n.raw}" inside the repeated "${outer}" (nested quantifiers backtrack exponentially)`;
    else if (n.type === 'Quantifier') visit(n.element);
    else if (n.type === 'Group' || n.type === 'CapturingGroup') {
      if (n.alternatives.length > 1) {
        const firsts = n.alternatives.map((a) => a.elements[0]);
        const chars = firsts.map((e) => (e?.type === 'Character' ? e.value : undefined));
        if (chars.some((c) => c === undefined) || new Set(chars).size !== chars.length)
          found = `repeats "${n.raw}", whose alternatives do not each start with a different literal character (write [ab]+ rather than (a|b)+)`;
      }
      for (const a of n.alternatives) a.elements.forEach(visit);
    }
  };
  visit(body);
  return found;
}

/**
 * Why a JSON Schema `pattern` is unsafe to run on untrusted input, or `undefined` when it passes.
 * The rule (see docs/app-developers.md, "Schemas the box accepts"): it parses as a `u`-flag ECMAScript regex of at most 1000
 * characters; it has no backreference and no lookaround (both make matching non-regular); no
 * repeated element (`*`, `+`, `{n,m}`) contains another variable quantifier (`(a+)+`, `(a?b)*`)
 * or an alternation whose branches are not told apart by a distinct first literal character
 * (`(a|aa)+`); counted bounds are at most 1000. These refuse exponential backtracking; polynomial
 * cases (`\d*\d*\d*x`) pass, which is why the box also runs validation off its main thread with a
 * time limit.
 *
 * @example
 * ```ts
 * regexProblem('^[a-z]+$'); // undefined
 * regexProblem('^(a+)+$'); // 'nests the quantifier "a+" inside the repeated "(a+)+" ...'
 * ```
 */
export function regexProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return `is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH}`;
  let ast: Pattern;
  try {
    ast = parse(pattern);
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message}`;
  }
  let problem: string | undefined;
  const visit = (n: Node) => {
    if (problem) return;
    if (n.type === 'Backreference') problem = `uses the backreference "${n.raw}"; not allowed`;
    else if (n.type === 'Assertion' && (n.kind === 'lookahead' || n.kind === 'lookbehind'))
      problem = `uses the lookaround "${n.raw}"; not allowed`;
    else if (n.type === 'Quantifier' && Number.isFinite(n.max) && n.max > MAX_REPEAT)
      problem = `repeats up to ${n.max} times in "${n.raw}"; at most ${MAX_REPEAT}`;
    else if (n.type === 'Quantifier' && n.min > MAX_REPEAT)
      problem = `repeats at least ${n.min} times in "${n.raw}"; at most ${MAX_REPEAT}`;
    else if (repeats(n) && n.type === 'Quantifier') problem = ambiguity(n.element, n.raw);
    if (problem) return;
    if ('alternatives' in n) n.alternatives.forEach(visit);
    else if (n.type === 'Alternative') n.elements.forEach(visit);
    else if (n.type === 'Quantifier') visit(n.element);
  };
  visit(ast);
  return problem;
}

function maxLength(elements: Element[]): number {
  let total = 0;
  for (const e of elements) {
    if (e.type === 'Assertion') continue;
    if (e.type === 'Quantifier') total += e.max === 0 ? 0 : e.max * maxLength([e.element]);
    else if (e.type === 'Group' || e.type === 'CapturingGroup') total += alternativesMax(e.alternatives);
    else if (e.type === 'Backreference') return Number.POSITIVE_INFINITY;
    else total += 1; // a character, class or set matches one code point in `u` mode
  }
  return total;
}

function alternativesMax(alternatives: Alternative[]): number {
  return Math.max(0, ...alternatives.map((a) => maxLength(a.elements)));
}

/**
 * The most code points a string matching `pattern` can have, when every top-level alternative is
 * anchored at both ends (`^...$`) and repeats nothing without bound; otherwise `Infinity`.
 *
 * @example
 * ```ts
 * patternMaxLength('^\\d{4}-\\d{2}$'); // 7
 * patternMaxLength('^[a-z]+$'); // Infinity
 * ```
 */
export function patternMaxLength(pattern: string): number {
  let ast: Pattern;
  try {
    ast = parse(pattern);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
  const anchored = ast.alternatives.every((a) => {
    const first = a.elements[0];
    const last = a.elements[a.elements.length - 1];
    return (
      first?.type === 'Assertion' &&
      first.kind === 'start' &&
      last?.type === 'Assertion' &&
      last.kind === 'end'
    );
  });
  return anchored ? alternativesMax(ast.alternatives) : Number.POSITIVE_INFINITY;
}
