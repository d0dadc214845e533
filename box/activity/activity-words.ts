/** Small plain-language pieces of the activity feed: durations, steps, plurals, data kinds. */

const STEPS: Record<string, string> = {
  raw: 'every reading as it was measured',
  '1min': '1-minute steps',
  '5min': '5-minute steps',
  '15min': '15-minute steps',
  '30min': '30-minute steps',
  '1h': 'hourly steps',
  '1d': 'daily steps',
  '1w': 'weekly steps',
  '1mo': 'monthly steps',
  '1y': 'yearly steps',
};

// built once: an Intl formatter costs far more to make than to use
const NUMBER = new Intl.NumberFormat('en-GB');

/** `1 summary`, `2 summaries`, `3 readings` (English plural rules of the common cases). */
export function plural(n: number, noun: string): string {
  if (n === 1) return `1 ${noun}`;
  const many = /[^aeiou]y$/.test(noun)
    ? `${noun.slice(0, -1)}ies`
    : /(s|x|ch|sh)$/.test(noun)
      ? `${noun}es`
      : `${noun}s`;
  return `${NUMBER.format(n)} ${many}`;
}

/** `90 days`, `24 hours`, `1 week`, `45 minutes` for a window given in minutes. */
export function windowWords(minutes: number): string {
  if (minutes >= 1440 && minutes % 10080 === 0 && minutes < 1440 * 28) return plural(minutes / 10080, 'week');
  if (minutes >= 1440 && minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes >= 1440) return `${Math.round(minutes / 1440)} days`;
  if (minutes >= 60 && minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

/** `30-minute steps`, `daily steps`, `every reading as it was measured`. */
export function stepWords(resolution: string): string {
  return STEPS[resolution] ?? `${resolution} steps`;
}

/**
 * What a kind of data is, in a word or two: `electricity.import.power` → `power`,
 * `electricity.export.energy.interval` → `returned energy`, `gas.volume` → `gas`.
 */
export function kindWords(kind: string): string {
  const parts = kind.split('.');
  if (parts[0] === 'gas') return 'gas';
  if (parts[0] === 'water') return 'water';
  const words = parts.filter((p) => !['electricity', 'import', 'interval', 'export'].includes(p));
  const noun = (words.at(-1) ?? kind).replace(/[_-]+/g, ' ');
  return parts.includes('export') ? `returned ${noun}` : noun;
}

/** The host of a URL (`https://energy-coop.example/api` → `energy-coop.example`), or the text as it is. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}
