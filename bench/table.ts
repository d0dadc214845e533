/** Prints a benchmark table: one row per measurement, with its baseline and the ratio. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** What the issue aims for, in words (e.g. "≥ 0.5× baseline"). */
  target?: string;
  /** Whether higher values are better (throughput) or lower (latency, memory). */
  higherIsBetter?: boolean;
  /** For lower-is-better rows: say "N× faster" (time, the default) or "N× the baseline" (memory). */
  ratioAs?: 'speedup' | 'multiple';
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(2));

export function printTable(title: string, rows: BenchRow[]): void {
  console.log(`\n## ${title}\n`);
  console.log('| measurement | result | baseline (same run) | ratio | target |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) {
    const base = row.baseline ? `${row.baseline.name}: ${fmt(row.baseline.value)} ${row.unit}` : '—';
    let ratio = '—';
    if (row.baseline) {
      if (row.ratioAs === 'multiple') ratio = `${(row.value / row.baseline.value).toFixed(2)}× the baseline`;
      else if (row.higherIsBetter === false) {
        const r = row.baseline.value / row.value;
        ratio = r >= 1 ? `${r.toFixed(2)}× faster` : `${(1 / r).toFixed(2)}× slower`;
      } else ratio = `${(row.value / row.baseline.value).toFixed(2)}×`;
    }
    console.log(`| ${row.name} | ${fmt(row.value)} ${row.unit} | ${base} | ${ratio} | ${row.target ?? ''} |`);
  }
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
