/**
 * Times a one-year backfill of the household simulator and prints readings per second.
 *
 * Run with `npx tsx drivers/simulator/measure.ts [stepMs] [year]` (defaults: 10000, 2024).
 *
 * @example
 * ```sh
 * npx tsx drivers/simulator/measure.ts 10000 2024
 * ```
 */
import { HouseholdSimulator } from './household-simulator.ts';

const stepMs = Number(process.argv[2] ?? 10_000);
const year = Number(process.argv[3] ?? 2024);
const from = Date.UTC(year, 0, 1);
const to = Date.UTC(year + 1, 0, 1);

const setupStart = performance.now();
const sim = new HouseholdSimulator({ seed: 1, stepMs, rooms: ['living', 'kitchen', 'bedroom'] });
sim.energyAt(from); // the counter's walk from its 2000-01-01 origin, timed on its own
const setupMs = performance.now() - setupStart;

const counts = new Map<string, number>();
let total = 0;
let batches = 0;
let checksum = 0;
const heapBefore = process.memoryUsage().heapUsed;
let heapPeak = heapBefore;
const start = performance.now();
for (const batch of sim.batches(from, to, { batchSize: 5000 })) {
  batches++;
  total += batch.readings.length;
  counts.set(batch.sourceId, (counts.get(batch.sourceId) ?? 0) + batch.readings.length);
  checksum += batch.readings[batch.readings.length - 1].v;
  if (batches % 2000 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
}
const seconds = (performance.now() - start) / 1000;

console.log(
  `one year (${year}) at stepMs=${stepMs}: ${total.toLocaleString('en')} readings in ${batches} batches`,
);
for (const [id, n] of counts) console.log(`  ${id.padEnd(28)} ${n.toLocaleString('en')}`);
console.log(`counter walk from origin: ${setupMs.toFixed(0)} ms`);
console.log(
  `generation: ${seconds.toFixed(2)} s, ${Math.round(total / seconds).toLocaleString('en')} readings/s`,
);
console.log(
  `heap: ${(heapBefore / 2 ** 20).toFixed(0)} MiB before, ${(heapPeak / 2 ** 20).toFixed(0)} MiB peak sampled`,
);
console.log(
  `energy used in the year: ${(sim.energyAt(to) - sim.energyAt(from)).toFixed(1)} kWh (checksum ${checksum.toFixed(3)})`,
);
