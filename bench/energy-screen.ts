/**
 * Issue 12, performance: the Energy screen (`/`, box/web/pages/energy.ts) for a year of a
 * household with 20 datasources (a P1 meter's import/export registers and power, gas, three
 * Zigbee plugs' power + kWh, six temperatures, three humidities; one reading a minute, written
 * with Store.writeMany and compacted before the box starts), against the Data page showing one datasource's
 * chart (`/data/p1.power`, its last day at 1 min) in the same run: (a) server time, the median of
 * 9 signed-in GETs each, taken alternately; (b) time to first chart in headless Chromium, from
 * navigation start to the first `[data-chart]` marked `data-drawn="true"` by dashboard.js,
 * median of 5 each, alternately. Aim: Energy under 2× Data and under 300 ms.
 * Run: `node --import tsx bench/energy-screen.ts` (`BENCH_DAYS=…` for a shorter year, `BENCH_KEEP=1`
 * to keep the box's home for profiling, `BENCH_HOME=<kept home>` to measure it again without
 * the five-minute build; its year ends where it was built).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { HOUR_WINDOW_MS } from '../box/audit/ingest-window.ts';
import { saveTariff } from '../box/energy/tariff.ts';
import { Compactor } from '../box/store/compaction.ts';
import { Store } from '../box/store/store.ts';
import { saveTimeSettings } from '../box/time/time-settings.ts';
import { runCli, startBoxProcess, stopBoxProcess } from '../test/helpers/box-process.ts';
import { CHROMIUM_PATH } from '../test/helpers/services.ts';
import { type BenchRow, median, printTable } from './table.ts';

const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const MINUTE = 60_000;
const END = Math.floor(Date.now() / MINUTE) * MINUTE;
const START = END - DAYS * 1440 * MINUTE;
const PASSWORD = 'bench-password-energy';
const reuse = process.env.BENCH_HOME;
const work = reuse ?? mkdtempSync(join(tmpdir(), 'databox-bench-energy-screen-'));
const home = reuse ?? join(work, 'home');

type Source = { id: string; kind: string; unit: string; valueType: 'gauge' | 'counter' };
const g = (id: string, kind: string, unit: string): Source => ({ id, kind, unit, valueType: 'gauge' });
const c = (id: string, kind: string, unit: string): Source => ({ id, kind, unit, valueType: 'counter' });
const SOURCES: Source[] = [
  c('p1.import', 'electricity.import.energy', 'kWh'),
  c('p1.export', 'electricity.export.energy', 'kWh'),
  g('p1.power', 'electricity.import.power', 'W'),
  g('p1.export.power', 'electricity.export.power', 'W'),
  c('p1.gas', 'gas.volume', 'm³'),
  ...['fridge', 'washer', 'tv'].flatMap((p) => [
    g(`plug.${p}.power`, 'electricity.power', 'W'),
    c(`plug.${p}.energy`, 'electricity.energy', 'kWh'),
  ]),
  ...['living', 'kitchen', 'bedroom', 'bath', 'attic', 'outside'].map((r) =>
    g(`climate.${r}.temperature`, 'temperature', '°C'),
  ),
  ...['living', 'bath', 'bedroom'].map((r) => g(`climate.${r}.humidity`, 'humidity', '%')),
];

/** Watts of a source at minute `m` (a day's shape plus a little noise), deterministic. */
function watts(m: number, phase: number): number {
  const hour = (m / 60) % 24;
  const evening = hour > 17 && hour < 23 ? 900 : 0;
  return 150 + 40 * phase + evening + 200 * Math.abs(Math.sin((m + phase * 97) / 53));
}

function buildStore(): { readings: number; ms: number } {
  const started = Date.now();
  const store = Store.open(join(home, 'databox.db'), { ingestWindowMs: HOUR_WINDOW_MS });
  for (const s of SOURCES) store.createDatasource(s, 'user');
  saveTimeSettings(store, { timeZone: 'Europe/Amsterdam', locale: 'nl-NL' });
  saveTariff(store, {
    currency: 'EUR',
    kind: 'day-night',
    rate: 0.3,
    nightRate: 0.22,
    nightFrom: '23:00',
    nightTo: '07:00',
    standingPerDay: 0.8,
  });
  const registers = new Map<string, number>(SOURCES.map((s) => [s.id, 1000]));
  const minutes = DAYS * 1440;
  const CHUNK = 1440 * 7; // a week per source per transaction
  let readings = 0;
  for (let from = 0; from < minutes; from += CHUNK) {
    const n = Math.min(CHUNK, minutes - from);
    const batches = SOURCES.map((s, phase) => ({
      id: s.id,
      readings: Array.from({ length: n }, (_, k) => {
        const m = from + k;
        let v: number;
        if (s.valueType === 'counter') {
          // kWh (or m³) so far: the register grows by the minute's energy
          const step =
            s.id === 'p1.export' ? (m % 1440 > 600 && m % 1440 < 960 ? 0.02 : 0) : watts(m, phase) / 60_000;
          v = Math.round(((registers.get(s.id) as number) + step) * 1000) / 1000;
          registers.set(s.id, (registers.get(s.id) as number) + step);
        } else if (s.unit === 'W') v = Math.round(watts(m, phase));
        else if (s.unit === '%') v = Math.round(55 + 10 * Math.sin((m + phase * 31) / 300));
        else v = Math.round((19 + 3 * Math.sin((m + phase * 37) / 229) + (m % 7) / 10) * 10) / 10;
        return { t: START + m * MINUTE, v };
      }),
    }));
    store.writeMany(batches, 'driver:bench');
    readings += n * SOURCES.length;
  }
  store.ingest.sealAll('flush');
  // a box that has run for a year compacted each day as it closed: done here, or the new box's
  // retention job would compact 7,300 source-days in the background during the measurement (its
  // write transactions also keep reads from storing local days and day costs)
  const compactor = new Compactor(store.db);
  for (const entry of store.catalogue.list()) compactor.compact(entry, Date.now());
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  return { readings, ms: Date.now() - started };
}

async function signIn(url: string): Promise<string> {
  const form = await fetch(`${url}/signin`);
  const pre = /databox_pre=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1] ?? '';
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const signin = await fetch(`${url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: `databox_pre=${pre}`,
      origin: url,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: csrf, password: PASSWORD }).toString(),
  });
  const session = /databox_session=([^;]+)/.exec(signin.headers.get('set-cookie') ?? '')?.[1];
  if (!session) throw new Error(`sign-in failed: ${signin.status}`);
  return session;
}

/** Milliseconds of one signed-in GET (the whole body read), checked to be a page with a chart. */
async function timedGet(url: string, session: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie: `databox_session=${session}` } });
  const body = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200 || !body.includes('data-chart='))
    throw new Error(`${url}: ${res.status} without a chart`);
  return ms;
}

/** Medians of `a` and `b`, `runs` each, taken alternately after one warm-up each. */
async function alternately(runs: number, a: () => Promise<number>, b: () => Promise<number>) {
  await a();
  await b();
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < runs; i++) {
    as.push(await a());
    bs.push(await b());
  }
  return [median(as), median(bs)];
}

// Runs in the page before its own scripts: records performance.now() (ms since navigation
// start) when the first chart is marked drawn.
const WATCH_FIRST_CHART = `(() => {
  const seen = () => document.querySelector('[data-chart][data-drawn="true"]');
  new MutationObserver((_, obs) => {
    if (window.__firstChart === undefined && seen()) { window.__firstChart = performance.now(); obs.disconnect(); }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-drawn'] });
})();`;

try {
  if (reuse && existsSync(join(home, 'databox.db'))) console.log(`measuring the kept home ${home}`);
  else {
    const built = buildStore();
    console.log(
      `built ${built.readings.toLocaleString('en')} readings (${DAYS} days × ${SOURCES.length} sources, 1/min) in ${(built.ms / 1000).toFixed(0)} s`,
    );
    const set = runCli(['user', 'set-password', '--home', home], `${PASSWORD}\n`);
    if (set.status !== 0) throw new Error(`set-password: ${set.stderr}`);
  }
  const box = await startBoxProcess(home, [], 120_000);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const session = await signIn(box.url);
    const energy = `${box.url}/`;
    const year = `${box.url}/energy?period=year`;
    const data = `${box.url}/data/p1.power`;
    const [energyMs, dataMs] = await alternately(
      9,
      () => timedGet(energy, session),
      () => timedGet(data, session),
    );
    const [yearMs, dataMs2] = await alternately(
      9,
      () => timedGet(year, session),
      () => timedGet(data, session),
    );
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies([{ name: 'databox_session', value: session, url: box.url }]);
    await context.addInitScript(WATCH_FIRST_CHART);
    const page = await context.newPage();
    const firstChart = async (url: string) => {
      await page.goto(url);
      await page.waitForFunction('window.__firstChart !== undefined', undefined, { timeout: 30_000 });
      return (await page.evaluate('window.__firstChart')) as number;
    };
    const [energyChart, dataChart] = await alternately(
      5,
      () => firstChart(energy),
      () => firstChart(data),
    );
    await context.close();
    const rows: BenchRow[] = [
      {
        name: 'Energy screen `/` (day), server time',
        value: energyMs,
        unit: 'ms',
        baseline: { name: 'Data page, one chart', value: dataMs },
        target: '< 2× and < 300 ms',
        higherIsBetter: false,
        ratioAs: 'multiple',
      },
      {
        name: 'Energy screen `?period=year`, server time',
        value: yearMs,
        unit: 'ms',
        baseline: { name: 'Data page, one chart', value: dataMs2 },
        target: '< 2× and < 300 ms',
        higherIsBetter: false,
        ratioAs: 'multiple',
      },
      {
        name: 'Energy screen `/`, time to first chart (Chromium)',
        value: energyChart,
        unit: 'ms',
        baseline: { name: 'Data page, one chart', value: dataChart },
        target: '< 2× and < 300 ms',
        higherIsBetter: false,
        ratioAs: 'multiple',
      },
    ];
    printTable(`Energy screen, a year of ${SOURCES.length} datasources (issue 12)`, rows);
    console.log(
      `load average during the run: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await browser.close();
    await stopBoxProcess(box);
  }
} finally {
  if (process.env.BENCH_KEEP || reuse) console.log(`kept ${home}`);
  else rmSync(work, { recursive: true, force: true });
}
