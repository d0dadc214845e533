import {
  cpSync,
  existsSync,
  type FSWatcher,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  watch,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp } from '../../apps-sdk/src/build-app.ts';
import { durationMs } from '../../apps-sdk/src/duration.ts';
import { type Manifest, validateManifest } from '../../apps-sdk/src/manifest.ts';
import { finestOf } from '../../apps-sdk/src/resolution.ts';
import { HouseholdSimulator } from '../../drivers/simulator/index.ts';
import { BadRequestError } from '../errors.ts';
import { Store } from '../store/store.ts';
import { AppManager } from './app-manager.ts';
import { AppRunner } from './app-runner.ts';
import type { AppRuntime } from './runtime.ts';
import type { RunRecord } from './types.ts';

/** Most simulated history written for a request (a week at 10 s is 60,480 readings a source). */
const MAX_SEED_MS = 7 * 86_400_000;

export interface DevCycle {
  built: boolean;
  error?: string;
  run?: RunRecord;
  insights: unknown[];
}

/**
 * `databox app dev`: the developer's loop on a throwaway box (a temp home, removed by
 * {@link stop}): every cycle builds the app, installs exactly its manifest and `dist/` (so
 * `node_modules` never goes in), grants each request the finest resolution it lists on a
 * simulator datasource of its kind (seeded with up to a week of the household simulator's data,
 * the request's history), runs it once and reports the run and its insights. {@link watch}
 * reruns on every change to the app's files.
 *
 * @example
 * const loop = new AppDevLoop('./hello-power', { log: console.log });
 * await loop.cycle(); // { built: true, run: { status: 'ok', … }, insights: [...] }
 * loop.watch();
 */
export class AppDevLoop {
  readonly dir: string;
  readonly home: string;
  readonly #log: (line: string) => void;
  readonly #store: Store;
  readonly #apps: AppManager;
  readonly #runner: AppRunner;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #cycling: Promise<DevCycle> | undefined;

  constructor(
    dir: string,
    options: {
      log?: (line: string) => void;
      runtimes?: Partial<Record<AppRuntime['kind'], AppRuntime>>;
    } = {},
  ) {
    this.dir = resolve(dir);
    this.#log = options.log ?? (() => {});
    this.home = mkdtempSync(join(tmpdir(), 'databox-dev-'));
    this.#store = Store.open(join(this.home, 'databox.db'));
    this.#runner = new AppRunner({ store: this.#store, runtimes: options.runtimes ?? {} });
    this.#apps = new AppManager(this.#store, {
      appsDir: join(this.home, 'apps'),
      tokens: this.#runner.tokens,
    });
  }

  /** One build, install and run; never throws for the app's faults (they are in the result). */
  cycle(): Promise<DevCycle> {
    this.#cycling ??= this.#cycle().finally(() => {
      this.#cycling = undefined;
    });
    return this.#cycling;
  }

  async #cycle(): Promise<DevCycle> {
    let manifest: Manifest;
    try {
      manifest = this.#manifest();
      await buildApp(this.dir);
    } catch (error) {
      this.#log(`build failed: ${(error as Error).message}`);
      return { built: false, error: (error as Error).message, insights: [] };
    }
    const stage = join(this.home, 'stage');
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(stage);
    cpSync(join(this.dir, 'databox-app.json'), join(stage, 'databox-app.json'));
    if (existsSync(join(this.dir, 'dist')))
      cpSync(join(this.dir, 'dist'), join(stage, 'dist'), { recursive: true });
    try {
      const requests = Object.fromEntries(
        manifest.requests.map((r) => {
          const finest = finestOf(r.resolutions.map((x) => x.resolution));
          return [
            r.name,
            { datasource: this.#seed(r.kind, r.history), resolution: finest === '10s' ? 'raw' : finest },
          ];
        }),
      );
      this.#apps.install(stage, { requests, destinations: manifest.exports.map((e) => e.id) }, 'dev');
    } catch (error) {
      this.#log(`install failed: ${(error as Error).message}`);
      return { built: true, error: (error as Error).message, insights: [] };
    }
    const run = await this.#runner.run(manifest.id, 'manual');
    const insights = this.#runner.registry.listInsights(manifest.id).filter((i) => i.runId === run.runId);
    this.#log(
      `run ${run.status} in ${run.durationMs} ms: ${run.reads} reads, ${run.rowsRead} rows, ${run.insights} insights, ${run.exports} exports${run.error ? `\nerror: ${run.error}` : ''}`,
    );
    for (const line of run.logs) this.#log(`  ${line}`);
    for (const i of insights) this.#log(`insight ${i.key}: ${i.title}${i.summary ? ` — ${i.summary}` : ''}`);
    return { built: true, run, insights };
  }

  /** Reruns {@link cycle} 300 ms after the last change to the app's files (not dist/ or node_modules/). */
  watch(): void {
    this.#watcher = watch(this.dir, { recursive: true }, (_event, name) => {
      const file = String(name ?? '');
      if (/^(dist|node_modules|\.git)(\/|$)/.test(file)) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        this.#log(`changed: ${file}`);
        void this.cycle();
      }, 300);
    });
  }

  async stop(): Promise<void> {
    this.#watcher?.close();
    clearTimeout(this.#timer);
    await this.#cycling?.catch(() => undefined);
    await this.#runner.stop();
    this.#store.close();
    rmSync(this.home, { recursive: true, force: true });
  }

  #manifest(): Manifest {
    const parsed = validateManifest(JSON.parse(readFileSync(join(this.dir, 'databox-app.json'), 'utf8')));
    if (!parsed.ok)
      throw new BadRequestError(
        `databox-app.json: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      );
    return parsed.manifest;
  }

  /** A datasource of `kind` with simulator data over the request's history (capped at a week). */
  #seed(kind: string, history: string): string {
    const sim = new HouseholdSimulator({ seed: 14 });
    const spec = sim.datasources().find((d) => d.kind === kind);
    const id = spec?.id ?? `dev.${kind}`;
    if (this.#store.catalogue.find(id)) return id;
    if (!spec) {
      // nothing simulated of this kind: an empty source, so the app meets an empty read
      this.#store.createDatasource({ id, kind, unit: '', valueType: 'gauge' }, 'user');
      this.#log(`note: the simulator makes no ${kind}: "${id}" is empty`);
      return id;
    }
    this.#store.createDatasource(spec, 'user');
    const to = Date.now();
    const from = to - Math.min(durationMs(history), MAX_SEED_MS);
    for (const batch of sim.batches(from, to, { batchSize: 20_000 }))
      if (batch.sourceId === id) this.#store.writeReadings(id, batch.readings, 'user');
    return id;
  }
}
