import { chmodSync, mkdirSync } from 'node:fs';
import { DeliveryLoop } from './delivery-loop.ts';
import type { GatewayOptions } from './options.ts';
import { Outbox } from './outbox.ts';
import { type GatewayPaths, gatewayPaths } from './paths.ts';
import type { Resolver } from './safe-client/resolve-address.ts';
import { SocketServer } from './socket-server.ts';

/** What tests and benchmarks may swap; production uses the defaults. */
export interface GatewayDeps {
  resolver?: Resolver;
  /** Trusted CAs instead of Node's (tests). */
  ca?: string | Buffer | Array<string | Buffer>;
  now?: () => number;
  log?: (message: string) => void;
  /** Jitter source for backoff. */
  random?: () => number;
  stopGraceMs?: number;
}

/**
 * The export gateway: the outbox, the socket API for the box and the delivery loop, built from
 * a home folder and options. `start()` reclaims attempts a dead process left `delivering`, then
 * listens and delivers; `stop()` stops accepting, lets in-flight attempts finish (or aborts and
 * re-queues them after a grace period) and closes the outbox.
 *
 * @example
 * const gateway = new Gateway('/var/lib/databox', loadGatewayOptions('/var/lib/databox'));
 * await gateway.start();
 * process.once('SIGTERM', () => void gateway.stop());
 */
export class Gateway {
  readonly paths: GatewayPaths;
  readonly #options: GatewayOptions;
  readonly #deps: GatewayDeps;
  #outbox: Outbox | undefined;
  #server: SocketServer | undefined;
  #loop: DeliveryLoop | undefined;

  constructor(home: string, options: GatewayOptions, deps: GatewayDeps = {}) {
    this.paths = gatewayPaths(home);
    this.#options = options;
    this.#deps = deps;
  }

  async start(): Promise<void> {
    const { options, deps } = { options: this.#options, deps: this.#deps };
    const now = deps.now ?? Date.now;
    mkdirSync(this.paths.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.paths.dir, 0o700);
    const outbox = new Outbox(this.paths.db);
    this.#outbox = outbox;
    try {
      const loop = new DeliveryLoop(outbox, {
        maxAttempts: options.maxAttempts,
        concurrency: options.concurrency,
        backoff: { baseMs: options.backoffBaseMs, maxMs: options.backoffMaxMs, random: deps.random },
        client: {
          devMode: options.devMode,
          connectTimeoutMs: options.connectTimeoutMs,
          totalTimeoutMs: options.totalTimeoutMs,
          maxResponseBytes: options.maxResponseBytes,
          resolver: deps.resolver,
          ca: deps.ca,
        },
        stopGraceMs: deps.stopGraceMs,
        now,
        log: deps.log,
      });
      const server = new SocketServer(outbox, { devMode: options.devMode, onQueued: () => loop.wake(), now });
      // listen first: it refuses when another gateway owns this home, before we touch its rows
      await server.listen(this.paths.socket);
      this.#server = server;
      const reclaimed = outbox.reclaimInterrupted(now());
      if (reclaimed > 0) deps.log?.(`re-queued ${reclaimed} export(s) interrupted mid-delivery`);
      this.#loop = loop;
      loop.start();
    } catch (error) {
      outbox.close();
      this.#outbox = undefined;
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.#server?.close();
    await this.#loop?.stop();
    // exports written but not yet synced finish their sync (and get their 202s) before the close
    await this.#outbox?.settled();
    this.#outbox?.close();
    this.#server = undefined;
    this.#loop = undefined;
    this.#outbox = undefined;
  }
}
