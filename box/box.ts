import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DRIVER_TYPES } from '../drivers/registry.ts';
import { AppManager } from './apps/app-manager.ts';
import { AppRunner } from './apps/app-runner.ts';
import { AppScheduler } from './apps/app-scheduler.ts';
import { AppStores } from './apps/catalogue/app-stores.ts';
import { AuditJob } from './audit/audit-job.ts';
import { type BoxKey, loadOrCreateBoxKey } from './audit/box-key.ts';
import { Checkpoints } from './audit/checkpoints.ts';
import { HOUR_WINDOW_MS } from './audit/ingest-window.ts';
import { ensureAdminToken } from './config/admin-token.ts';
import type { BoxConfig } from './config/config-schema.ts';
import { loadConfig } from './config/load-config.ts';
import { type BoxPaths, boxPaths } from './config/paths.ts';
import { DriverManager } from './drivers/driver-manager.ts';
import { ExportService } from './exports/export-service.ts';
import { GatewaySupervisor } from './exports/gateway-supervisor.ts';
import { createHttpApp } from './http/app.ts';
import { HttpServer } from './http-server.ts';
import { BackupSchedule } from './ops/backup-schedule.ts';
import { CheckChild } from './ops/check-child.ts';
import { lastCheck } from './ops/check-record.ts';
import { writeCleanStop } from './ops/clean-stop.ts';
import { diskSpace } from './ops/disk-space.ts';
import { DiskWatch } from './ops/disk-watch.ts';
import { enforcePrivateModes, privatePaths } from './ops/file-modes.ts';
import { processMemory } from './ops/process-memory.ts';
import { runStartChecks, type StartCheckReport } from './ops/start-checks.ts';
import { StoreCheck } from './ops/store-check.ts';
import { ensureTlsCert } from './ops/tls-cert.ts';
import type { BoxPart } from './part.ts';
import { RetentionJob } from './retention-job.ts';
import { readRuntimeFile, removeRuntimeFile, writeRuntimeFile } from './runtime-file.ts';
import { ContainerRuntime } from './sandbox/container/container-runtime.ts';
import { IsolateRuntime } from './sandbox/isolate/isolate-runtime.ts';
import { DAEMON_SQLITE_CACHE_KIB, Store } from './store/store.ts';
import { VERSION } from './version.ts';

export interface BoxOptions {
  home?: string;
  /** Flags that override the config file for this run (not saved). */
  host?: string;
  port?: number;
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
  /** `--accept-empty-store`: start on an empty or missing store beside the files of an old box. */
  acceptEmptyStore?: boolean;
  /** `--regenerate-token`: replace a damaged admin-token file with a new token. */
  regenerateToken?: boolean;
  /** Overrides `http.tls.port` for this run (tests: 0). */
  tlsPort?: number;
}

export { VERSION } from './version.ts';

/**
 * The composition root: builds the box from its parts by constructor injection and runs them.
 *
 * @example
 * const box = new Box({ home: '/tmp/databox', port: 0 });
 * await box.start();
 * console.log(box.url);
 * await box.stop();
 */
export class Box {
  readonly paths: BoxPaths;
  readonly log: (message: string) => void;
  config!: BoxConfig;
  store!: Store;
  /** The box's audit key and its signed checkpoints (`docs/audit.md`). */
  auditKey!: BoxKey;
  checkpoints!: Checkpoints;
  adminToken!: { token: string; created: boolean };
  /** Set when HTTPS runs: its URL and the certificate's SHA-256 fingerprint. */
  tls: { url: string; fingerprint: string; certFile: string } | undefined;
  /** What the checks before the store opened found (file modes fixed, quick_check). */
  startChecks!: StartCheckReport;
  drivers!: DriverManager;
  apps!: AppManager;
  appRunner!: AppRunner;
  exports!: ExportService;
  readonly #options: BoxOptions;
  readonly #parts: BoxPart[] = [];
  readonly #failed = new Map<string, string>();
  readonly #abort = new AbortController();
  #http: HttpServer | undefined;
  #startedAt = 0;
  #checker!: CheckChild;
  #storeCheck!: StoreCheck;

  constructor(options: BoxOptions = {}) {
    this.#options = options;
    this.paths = boxPaths(options.home, options.env);
    this.log = options.log ?? ((m) => console.log(m));
  }

  get url(): string {
    return this.#http?.url ?? '';
  }

  /** Opens the store, then starts each part; a failing part is reported and the rest run on. */
  async start(): Promise<void> {
    mkdirSync(this.paths.home, { recursive: true, mode: 0o700 });
    await this.#checkNotRunning();
    const { config } = loadConfig(this.paths.config);
    this.config = config;
    // private modes, no empty store beside an old box's files, quick_check: before anything opens it
    this.startChecks = runStartChecks(this.paths, {
      acceptEmptyStore: this.#options.acceptEmptyStore,
      log: this.log,
    });
    this.adminToken = ensureAdminToken(this.paths.adminToken, { regenerate: this.#options.regenerateToken });
    this.store = Store.open(this.paths.database, {
      synchronous: config.store.synchronous,
      ingestWindowMs: HOUR_WINDOW_MS,
      // the bench compares sizes in one run through the variable (bench/daemon-memory.ts)
      cacheKiB: Number(process.env.DATABOX_SQLITE_CACHE_KIB) || DAEMON_SQLITE_CACHE_KIB,
    });
    // SQLite made a new store (and its WAL) with the umask's mode
    enforcePrivateModes(privatePaths(this.paths.home));
    // refuse to run on an audit log that went backwards or forked since the last checkpoint
    this.auditKey = loadOrCreateBoxKey(this.paths.home);
    this.checkpoints = new Checkpoints(this.store.db, this.store.audit, this.auditKey, this.paths.home);
    try {
      this.checkpoints.checkAtStart();
    } catch (error) {
      this.store.close();
      throw error;
    }
    this.#recordConfig();
    this.#checker = new CheckChild(this.paths.home, this.#options.env);
    this.#startedAt = Date.now();
    this.drivers = new DriverManager({ store: this.store, types: DRIVER_TYPES, log: this.log });
    // one export service for the HTTP API, the CLI's view and every app run, with the configured caps
    this.exports = new ExportService({ store: this.store, boxWidePerDay: config.gateway.boxWidePerDay });
    // Without a Docker engine the container runtime fails to start and only container apps stop working.
    this.appRunner = new AppRunner({
      store: this.store,
      runtimes: { isolate: new IsolateRuntime(), container: new ContainerRuntime() },
      exports: this.exports,
      log: this.log,
    });
    this.apps = new AppManager(this.store, {
      appsDir: join(this.paths.home, 'apps'),
      tokens: this.appRunner.tokens,
    });

    const app = createHttpApp({
      store: this.store,
      adminToken: this.adminToken.token,
      bodyLimitBytes: config.http.bodyLimitBytes,
      status: () => this.status(),
      drivers: this.drivers,
      apps: this.apps,
      appRunner: this.appRunner,
      // store fetches are inbound but follow the export gateway's rules and dev mode
      appStores: new AppStores({
        store: this.store,
        home: this.paths.home,
        client: {
          devMode: config.gateway.devMode,
          connectTimeoutMs: config.gateway.connectTimeoutMs,
          totalTimeoutMs: config.gateway.totalTimeoutMs,
        },
      }),
      exports: this.exports,
      web: true,
      hosts: {
        // with HTTPS on the home network, the names of that listener too
        bindHost: config.http.tls.enabled ? config.http.tls.host : (this.#options.host ?? config.http.host),
        allowedHosts: config.http.allowedHosts,
      },
      check: { run: () => this.#checker.run(), health: () => this.health() },
    });
    this.#http = new HttpServer(
      app,
      this.#options.host ?? config.http.host,
      this.#options.port ?? config.http.port,
    );
    // the HTTP server is the box's front door: if it cannot start, the box does not either
    await this.#http.start();
    this.#parts.push(this.#http);
    if (config.http.tls.enabled) await this.#startHttps(app);
    // tell the other commands where this box is (they read it to find a box on another port)
    writeRuntimeFile(this.paths.runtime, {
      url: this.url,
      pid: process.pid,
      startedAt: new Date(this.#startedAt).toISOString(),
      version: VERSION,
      home: this.paths.home,
    });
    // the quick_check the start checks deferred (a clean stop before): in a worker, after the start
    this.#storeCheck = new StoreCheck(this.store, this.startChecks, this.paths.home, this.log);
    await this.#startPart(this.#storeCheck);
    await this.#startPart(new AuditJob({ store: this.store, log: this.log, checkpoints: this.checkpoints }));
    await this.#startPart(new DiskWatch(this.paths, config.store.lowDiskMB, this.log));
    await this.#startPart(new BackupSchedule(this.paths.home, config.backup, this.log));
    await this.#startPart(
      new RetentionJob(this.store, config.retention.intervalMinutes * 60_000, this.log, {
        enabled: config.store.compaction.enabled,
        minAgeMs: config.store.compaction.minAgeHours * 3_600_000,
      }),
    );
    await this.#startPart(this.drivers);
    await this.#startPart(this.appRunner);
    await this.#startPart(new AppScheduler({ store: this.store, runner: this.appRunner, log: this.log }));
    await this.#startPart(
      new GatewaySupervisor({
        home: this.paths.home,
        store: this.store,
        exports: this.exports,
        log: this.log,
      }),
    );
    this.store.audit.append({
      actor: 'box',
      action: 'box.start',
      details: { version: VERSION, url: this.url },
    });
    this.#storeCheck.checkInBackground();
  }

  /** The HTTPS listener for the home network; if it cannot start, the box runs on without it. */
  async #startHttps(app: ReturnType<typeof createHttpApp>): Promise<void> {
    const options = this.config.http.tls;
    try {
      const tls = ensureTlsCert(this.paths.home, options);
      const server = new HttpServer(app, options.host, this.#options.tlsPort ?? options.port, tls);
      await this.#startPart(server);
      if (server.url) this.tls = { url: server.url, fingerprint: tls.fingerprint, certFile: tls.certFile };
    } catch (error) {
      this.#failed.set('https', (error as Error).message);
      this.log(`databox: HTTPS failed to start: ${(error as Error).message}`);
    }
  }

  /** Two daemons on one data folder would each think they own it: refuse, and replace a stale file. */
  async #checkNotRunning(): Promise<void> {
    const found = readRuntimeFile(this.paths.runtime);
    if (found.state === 'stale') {
      this.log(`databox: note: ${found.reason}; replacing it`);
      return;
    }
    if (found.state !== 'running' || found.runtime.pid === process.pid) return;
    const answers = await fetch(`${found.runtime.url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (answers) {
      throw new Error(
        `a box is already running on ${this.paths.home} at ${found.runtime.url} (pid ${found.runtime.pid}); stop it first`,
      );
    }
    this.log(
      `databox: note: ${this.paths.runtime} names pid ${found.runtime.pid}, but nothing answers at ${found.runtime.url}; replacing it`,
    );
  }

  async #startPart(part: BoxPart): Promise<void> {
    try {
      await part.start(this.#abort.signal);
      this.#parts.push(part);
    } catch (error) {
      const message = (error as Error).message;
      this.#failed.set(part.name, message);
      this.log(
        `databox: part "${part.name}" failed to start (likely an issue with ${part.name}): ${message}`,
      );
    }
  }

  /** Audits a change of config.json since the last start (`config.change` with the old and new values). */
  #recordConfig(): void {
    const previous = this.store.kv.get('box', 'config');
    if (JSON.stringify(previous) === JSON.stringify(this.config)) return;
    this.store.transaction(() => {
      this.store.kv.set('box', 'config', this.config, this.store.now());
      this.store.audit.append({
        actor: 'user',
        action: 'config.change',
        details: { from: previous ?? null, to: this.config },
      });
    });
  }

  /** Start checks, the last `databox check` and free disk space: what the Overview's health shows. */
  health(): Record<string, unknown> {
    const last = this.store?.db.open ? lastCheck(this.store) : undefined;
    return {
      startChecks: this.startChecks && {
        at: new Date(this.startChecks.at).toISOString(),
        quickCheck: this.startChecks.quickCheck?.ok ?? null,
        quickCheckMs: this.startChecks.quickCheck?.ms ?? null,
        // before-start after an unclean stop; else in the background once the box is up
        quickCheckWhen: this.startChecks.quickCheckDeferred ? 'background' : 'before-start',
        quickCheckRunning: this.#storeCheck?.running ?? false,
        quickCheckProblems: this.startChecks.quickCheck?.problems ?? [],
        modesFixed: this.startChecks.modes.length,
        acceptedEmptyStore: this.startChecks.acceptedEmptyStore ?? null,
      },
      lastCheck: last
        ? {
            at: new Date(last.at).toISOString(),
            ok: last.ok,
            failed: last.items.filter((i) => !i.ok).map((i) => i.name),
          }
        : null,
      checkRunning: this.#checker?.running ?? false,
      disk: diskSpace(this.paths, this.config?.store.lowDiskMB),
    };
  }

  status(): Record<string, unknown> {
    return {
      version: VERSION,
      url: this.url,
      home: this.paths.home,
      auditKey: this.auditKey?.verifierKey,
      startedAt: new Date(this.#startedAt).toISOString(),
      uptimeSeconds: Math.round((Date.now() - this.#startedAt) / 1000),
      parts: Object.fromEntries([
        // a part may say more than 'running' (the export gateway: pid, restarts, last error)
        ...this.#parts.map((p) => [p.name, 'state' in p ? String(p.state) : 'running']),
        ...[...this.#failed].map(([name, error]) => [name, `failed: ${error}`]),
      ]),
      ...this.health(),
      memory: processMemory(),
      tls: this.tls ?? null,
    };
  }

  /** Stops parts in reverse order, then closes the store. Safe to call twice. */
  async stop(): Promise<void> {
    this.#abort.abort();
    const url = this.url;
    for (const part of this.#parts.splice(0).reverse()) {
      try {
        await part.stop();
      } catch (error) {
        this.log(`databox: part "${part.name}" failed to stop: ${(error as Error).message}`);
      }
    }
    if (url) removeRuntimeFile(this.paths.runtime, { url });
    if (this.store?.db.open) {
      try {
        this.store.audit.append({ actor: 'box', action: 'box.stop', details: {} });
        this.checkpoints.make();
      } catch (error) {
        // a full disk must not keep the store open: what was acknowledged is committed already
        this.log(`databox: could not record the stop: ${(error as Error).message}`);
      }
      this.store.close();
      // a store found damaged gets no marker: the next start checks it before opening it
      if (!this.#storeCheck?.damaged) {
        try {
          await writeCleanStop(this.paths, VERSION);
        } catch (error) {
          this.log(`databox: could not mark the clean stop: ${(error as Error).message}`);
        }
      }
    }
  }
}
