/**
 * Issue 13 aim 2, in process: a body of line protocol into the store (`ingestLineProtocol`: parse,
 * map, write, audit) against the same readings as JSON (`JSON.parse` + `store.writeReadings`),
 * batch by batch in alternation, each into its own new store file, so load from elsewhere hits
 * both alike. No HTTP: this isolates what the line protocol costs beyond JSON
 * (bench/ingest-interleaved.ts measures both over HTTP beside the bare server).
 * Run: `node --import tsx bench/line-protocol.ts` (`BENCH_BATCHES=…`, default 120 of 5,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../box/store/store.ts';
import { ingestLineProtocol } from '../drivers/influx/line-ingest.ts';
import { HouseholdSimulator } from '../drivers/simulator/index.ts';
import { type BenchRow, printTable } from './table.ts';

const BATCH = 5000;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 120);
const START = Date.UTC(2025, 0, 1);

const sim = new HouseholdSimulator({ seed: 7, stepMs: 10_000 });
const readings: Array<{ t: number; v: number }> = [];
const days = Math.ceil((BATCH * BATCHES * 10_000) / 86_400_000) + 1;
for (const b of sim.batches(START, START + days * 86_400_000, { batchSize: 20_000 }))
  if (b.sourceId === 'sim.power') for (const r of b.readings) readings.push(r);
const json: string[] = [];
const lines: string[] = [];
for (let k = 0; k < BATCHES; k++) {
  const batch = readings.slice(k * BATCH, (k + 1) * BATCH);
  json.push(JSON.stringify(batch));
  lines.push(batch.map((r) => `power,meter=bench w=${r.v} ${r.t}`).join('\n'));
}

const work = mkdtempSync(join(tmpdir(), 'databox-bench-lp-'));
const jsonStore = Store.open(join(work, 'json.db'));
jsonStore.createDatasource({ id: 'power.bench.w', kind: 'power', unit: 'W', valueType: 'gauge' }, 'user');
const lineStore = Store.open(join(work, 'lines.db'));
let jsonNs = 0;
let lineNs = 0;
for (let k = 0; k < BATCHES; k++) {
  let start = process.hrtime.bigint();
  jsonStore.writeReadings('power.bench.w', JSON.parse(json[k]), 'user');
  jsonNs += Number(process.hrtime.bigint() - start);
  start = process.hrtime.bigint();
  const report = ingestLineProtocol(lineStore, lines[k], 'ms', 'driver:influx');
  lineNs += Number(process.hrtime.bigint() - start);
  if (report.written !== BATCH || report.errors.length > 0)
    throw new Error(`batch ${k}: ${JSON.stringify(report).slice(0, 300)}`);
}
const query = { from: 0, to: 4e12, resolution: '1d', aggregate: 'sum' } as const;
if (
  JSON.stringify(jsonStore.read('power.bench.w', query)) !==
  JSON.stringify(lineStore.read('power.bench.w', query))
)
  throw new Error('the two stores hold different readings');
jsonStore.close();
lineStore.close();
rmSync(work, { recursive: true, force: true });

const points = BATCH * BATCHES;
const rows: BenchRow[] = [
  {
    name: `line protocol into the store (${points.toLocaleString('en')} points, batches of ${BATCH})`,
    value: points / (lineNs / 1e9),
    unit: 'points/s',
    baseline: {
      name: 'JSON.parse + store.writeReadings, same batches alternating',
      value: points / (jsonNs / 1e9),
    },
    target: '≥ 1× (the parser costs no more than JSON)',
  },
  { name: 'time per point, line protocol', value: lineNs / points, unit: 'ns', higherIsBetter: false },
  { name: 'time per point, JSON', value: jsonNs / points, unit: 'ns', higherIsBetter: false },
];
printTable('Line protocol vs JSON into the store, in process (issue 13 aim 2)', rows);
