import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRollups } from '../../box/store/consistency.ts';
import { Store } from '../../box/store/store.ts';
import { type BoxProcess, runCli, startBoxProcess, stopBoxProcess } from '../helpers/box-process.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir();
const T0 = Date.UTC(2026, 0, 1);
const BATCH = 500;
let running: BoxProcess | undefined;

afterEach(async () => {
  if (running) await stopBoxProcess(running, 'SIGKILL');
  running = undefined;
});

function client(box: BoxProcess, home: string) {
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  return (method: string, path: string, body?: unknown) =>
    fetch(`${box.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

function batchFor(source: 'power' | 'energy', n: number) {
  return Array.from({ length: BATCH }, (_, i) => {
    const k = n * BATCH + i;
    return { t: T0 + k * 1000, v: source === 'power' ? (k * 7) % 3000 : Math.round(k * 0.3) / 1000 };
  });
}

describe('box process', () => {
  it('keeps every acknowledged batch, exact rollups and an intact audit chain across SIGKILL', async () => {
    const home = tempDir();
    running = await startBoxProcess(home);
    let api = client(running, home);
    for (const [id, kind, unit, valueType] of [
      ['power', 'electricity.import.power', 'W', 'gauge'],
      ['energy', 'electricity.import.energy', 'kWh', 'counter'],
    ]) {
      expect((await api('POST', '/api/v1/datasources', { id, kind, unit, valueType })).status).toBe(201);
    }

    // sustained ingest: 4 writers, each posting numbered batches, until the box is killed
    const acked: Array<{ source: 'power' | 'energy'; n: number }> = [];
    let next = 0;
    let killed = false;
    const writer = async () => {
      while (!killed) {
        const n = next++;
        const source = n % 2 === 0 ? 'power' : 'energy';
        try {
          const res = await api('POST', `/api/v1/datasources/${source}/readings`, batchFor(source, n));
          if (res.status === 200) acked.push({ source, n });
          else throw new Error(`unexpected ${res.status}`);
        } catch (error) {
          if (!killed) throw error;
        }
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    // kill mid-flight once enough batches are acknowledged (a fixed 1.5 s was too short at load 18)
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    while (acked.length < 12 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
    killed = true;
    await stopBoxProcess(running, 'SIGKILL');
    await Promise.all(writers);
    expect(acked.length).toBeGreaterThan(10);

    // the killed box's open ingest windows hold the audit of every acknowledged reading
    const killedStore = Store.open(join(home, 'databox.db'));
    const audited = (store: Store) =>
      store.ingest.pending().reduce((sum, w) => sum + w.written, 0) +
      store.audit.query({ action: 'readings.write' }).reduce((sum, e) => sum + Number(e.details.written), 0);
    expect(audited(killedStore)).toBeGreaterThanOrEqual(acked.length * BATCH);
    killedStore.close();

    // restart on the same data: every acknowledged batch is there
    running = await startBoxProcess(home);
    api = client(running, home);
    for (const { source, n } of acked) {
      const batch = batchFor(source, n);
      const res = await api(
        'GET',
        `/api/v1/datasources/${source}/readings?from=${batch[0].t}&to=${batch[BATCH - 1].t + 1}&limit=${BATCH}`,
      );
      const body = (await res.json()) as { readings: unknown[] };
      expect(body.readings, `${source} batch ${n}`).toEqual(batch);
    }
    await stopBoxProcess(running, 'SIGTERM');
    running = undefined;

    const store = Store.open(join(home, 'databox.db'));
    for (const id of ['power', 'energy'])
      expect(checkRollups(store.db, store.catalogue.get(id)), id).toEqual([]);
    // audited per source and hour window (sealed at the clean stop), not per batch
    const writes = store.audit.query({ action: 'readings.write', limit: 100_000 });
    expect(store.ingest.pending()).toEqual([]);
    expect(audited(store)).toBeGreaterThanOrEqual(acked.length * BATCH);
    expect(writes.length).toBeLessThanOrEqual(2 * 3);
    store.close();

    const verify = runCli(['audit', 'verify', '--home', home]);
    expect(verify.stdout).toMatch(/^OK: \d+ entries/);
    expect(verify.status).toBe(0);
  }, 90_000);

  it('keeps every point acknowledged by POST /write (line protocol) across SIGKILL', async () => {
    const home = tempDir();
    running = await startBoxProcess(home);
    const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
    const url = running.url;
    // a Telegraf-shaped body: two fields per line, so two datasources per batch
    const lines = (n: number) =>
      Array.from({ length: BATCH }, (_, i) => {
        const k = n * BATCH + i;
        return `power,host=pi\\ 4,meter=p1 l1=${(k * 7) % 3000},l2=${k % 17}i ${T0 + k * 1000}`;
      }).join('\n');
    const acked: number[] = [];
    let next = 0;
    let killed = false;
    const writer = async () => {
      while (!killed) {
        const n = next++;
        try {
          const res = await fetch(`${url}/write?db=telegraf&precision=ms`, {
            method: 'POST',
            headers: { authorization: `Token ${token}` },
            body: lines(n),
          });
          if (res.status === 204) acked.push(n);
          else throw new Error(`unexpected ${res.status}: ${await res.text()}`);
        } catch (error) {
          if (!killed) throw error;
        }
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    // kill mid-ingest once a dozen bodies are in (a loaded machine may need more than 1.5 s)
    const started = Date.now();
    while (acked.length < 12 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
    killed = true;
    await stopBoxProcess(running, 'SIGKILL');
    await Promise.all(writers);
    expect(acked.length).toBeGreaterThan(10);

    const store = Store.open(join(home, 'databox.db'));
    for (const n of acked) {
      const from = T0 + n * BATCH * 1000;
      const query = { from, to: from + BATCH * 1000, resolution: 'raw' as const, aggregate: 'mean' as const };
      const l1 = store.read('power.pi-4.p1.l1', query);
      const l2 = store.read('power.pi-4.p1.l2', query);
      expect(
        l1.map((r) => r.v),
        `batch ${n}`,
      ).toEqual(Array.from({ length: BATCH }, (_, i) => ((n * BATCH + i) * 7) % 3000));
      expect(
        l2.map((r) => r.v),
        `batch ${n}`,
      ).toEqual(Array.from({ length: BATCH }, (_, i) => (n * BATCH + i) % 17));
    }
    for (const id of ['power.pi-4.p1.l1', 'power.pi-4.p1.l2'])
      expect(checkRollups(store.db, store.catalogue.get(id)), id).toEqual([]);
    const written =
      store.ingest.pending().reduce((sum, w) => sum + w.written, 0) +
      store.audit.query({ action: 'readings.write' }).reduce((sum, e) => sum + Number(e.details.written), 0);
    expect(written).toBeGreaterThanOrEqual(acked.length * BATCH * 2);
    store.close();
    const verify = runCli(['audit', 'verify', '--home', home]);
    expect(verify.stdout).toMatch(/^OK: \d+ entries/);
    running = undefined;
  }, 90_000);

  it('stops cleanly on SIGTERM and SIGINT and audits box.start/box.stop', async () => {
    const home = tempDir();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      running = await startBoxProcess(home);
      const code = await stopBoxProcess(running, signal);
      expect(code, `${signal}: ${running.output()}`).toBe(0);
      expect(running.output()).toContain('stopped');
    }
    running = undefined;
    const store = Store.open(join(home, 'databox.db'));
    expect(store.audit.query({ action: 'box.*', order: 'asc' }).map((e) => e.action)).toEqual([
      'box.start',
      'box.stop',
      'box.start',
      'box.stop',
    ]);
    store.close();
  }, 60_000);
});
