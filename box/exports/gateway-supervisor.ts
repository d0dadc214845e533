import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayPaths } from '../../export-gateway/paths.ts';
import { DamagedFileError } from '../ops/damaged-file.ts';
import { enforcePrivateModes } from '../ops/file-modes.ts';
import { checkSqliteFile } from '../ops/sqlite-check.ts';
import type { BoxPart } from '../part.ts';
import type { Store } from '../store/store.ts';
import type { ExportService } from './export-service.ts';
import { GatewayClient } from './gateway-client.ts';
import { GatewayProcess, type GatewayProcessOptions } from './gateway-process.ts';
import { GatewaySync } from './gateway-sync.ts';

export interface GatewaySupervisorOptions {
  home: string;
  store: Store;
  exports: ExportService;
  log?: (message: string) => void;
  /** How often pending exports are forwarded and events read (default 1000 ms). */
  pollMs?: number;
  /** false: do not start a gateway process, only talk to the socket (tests with a fake gateway). */
  spawn?: boolean;
  restartBackoff?: GatewayProcessOptions['restartBackoff'];
  env?: NodeJS.ProcessEnv;
}

/** Linux's limit for a unix socket's path (`sun_path` is 108 bytes with its closing NUL). */
const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Where the gateway listens: `<home>/gateway/gateway.sock`. A longer path than unix sockets allow
 * is refused here, naming it: listen() would otherwise fail with a misleading EADDRINUSE at every
 * restart of the gateway.
 */
export function gatewaySocketPath(home: string): string {
  const path = join(home, 'gateway', 'gateway.sock');
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES)
    throw new Error(
      `the box's home is too deep for the export gateway's socket: ${path} is ${bytes} bytes, unix sockets allow ${MAX_SOCKET_PATH_BYTES}; use a shorter --home (or DATABOX_HOME)`,
    );
  return path;
}

/**
 * The box part that owns the way out: starts the export gateway process (restarted with backoff
 * when it dies) and, every `pollMs`, forwards approved exports to it and takes in its delivery
 * events ({@link GatewaySync}). Its `state` shows in `/api/v1/status` under `parts`.
 *
 * @example
 * const supervisor = new GatewaySupervisor({ home, store, exports });
 * await supervisor.start(signal);
 * await supervisor.syncNow(); // tests: do not wait for the next poll
 */
export class GatewaySupervisor implements BoxPart {
  readonly name = 'export-gateway';
  readonly client: GatewayClient;
  readonly sync: GatewaySync;
  readonly process: GatewayProcess | undefined;
  readonly #options: GatewaySupervisorOptions;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #lastError = '';
  #running = false;
  #modesChecked = false;

  constructor(options: GatewaySupervisorOptions) {
    this.#options = options;
    this.client = new GatewayClient(gatewaySocketPath(options.home));
    this.sync = new GatewaySync({
      store: options.store,
      ledger: options.exports.ledger,
      client: this.client,
    });
    if (options.spawn !== false)
      this.process = new GatewayProcess({
        home: options.home,
        log: options.log,
        restartBackoff: options.restartBackoff,
        env: options.env,
      });
  }

  /** `running (pid N)`, `restarting after …`, plus the last sync error while the socket does not answer. */
  get state(): string {
    const process = this.process?.state ?? (this.#running ? 'running (external gateway)' : 'stopped');
    return this.#lastError ? `${process}; last sync error: ${this.#lastError}` : process;
  }

  async start(_signal: AbortSignal): Promise<void> {
    // a damaged outbox would make the gateway die at every start: say which file and why instead
    const outbox = gatewayPaths(this.#options.home).db;
    const check = existsSync(outbox) ? checkSqliteFile(outbox, 'quick') : undefined;
    if (check && !check.ok) {
      throw new DamagedFileError(
        outbox,
        `the export outbox is damaged: ${check.problems.join('; ')}`,
        'Exports stay pending in the box until it is fixed: restore it from a backup (docs/operations.md), or move it away to start with an empty outbox (exports it held as queued are then retried from the box)',
      );
    }
    this.#running = true;
    this.process?.start();
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#chain;
    await this.process?.stop();
  }

  /** Runs one sync after the one under way (never two at once); resolves when it is done. */
  syncNow(): Promise<void> {
    this.#chain = this.#chain.then(() => this.#tick());
    return this.#chain;
  }

  async #tick(): Promise<void> {
    try {
      await this.sync.tick();
      this.#lastError = '';
      if (!this.#modesChecked) {
        // the gateway's SQLite made the outbox with the umask's mode: make it private once it answers
        const outbox = gatewayPaths(this.#options.home).db;
        enforcePrivateModes(['', '-wal', '-shm'].map((s) => ({ path: `${outbox}${s}`, mode: 0o600 })));
        this.#modesChecked = true;
      }
    } catch (error) {
      // the gateway is starting or restarting: pending exports stay pending until it answers
      this.#lastError = (error as Error).message;
    }
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      void this.syncNow().then(() => this.#schedule());
    }, this.#options.pollMs ?? 1000);
  }
}
