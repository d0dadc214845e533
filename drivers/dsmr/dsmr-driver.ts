import { z } from 'zod';
import type { Reading } from '../../box/store/types.ts';
import type { Driver, DriverContext, DriverType } from '../driver.ts';
import { mapTelegram } from './obis-map.ts';
import type { ByteConnection, ByteSource } from './sources/byte-source.ts';
import { FileByteSource } from './sources/file-source.ts';
import { type Backoff, DEFAULT_BACKOFF, keepOpen } from './sources/reconnect-loop.ts';
import { SerialByteSource } from './sources/serial-source.ts';
import { TcpByteSource } from './sources/tcp-source.ts';
import { TelegramCrcError } from './telegram-errors.ts';
import { parseTelegram } from './telegram-parser.ts';
import { TelegramSplitter } from './telegram-splitter.ts';

/** Datasource id prefix: the longest suffix (`electricity.import.month-peak`) must still fit in 64 characters. */
const PREFIX_PATTERN = /^[a-z0-9][a-z0-9._-]{0,29}$/;

const baseSchema = z
  .object({
    source: z.enum(['serial', 'tcp', 'file']),
    device: z.string().min(1).optional(),
    baudRate: z
      .union([z.literal(115200), z.literal(9600)], {
        error: 'must be 115200 (DSMR 4/5, e-MUCS) or 9600 (DSMR 2.2/3, 7E1)',
      })
      .default(115200),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    path: z.string().min(1).optional(),
    prefix: z.string().regex(PREFIX_PATTERN, 'must match [a-z0-9][a-z0-9._-]{0,29}').default('p1'),
    /** Drop telegrams whose CRC is wrong (and DSMR 4+ ones without CRC). Default true. */
    requireCrc: z.boolean().default(true),
    /** TCP only: reconnect when no byte arrived for this many seconds (0: never). Default 60. */
    idleTimeoutS: z.number().int().min(0).max(3600).default(60),
  })
  .strict();

type BaseConfig = z.output<typeof baseSchema>;
const REQUIRED: Record<BaseConfig['source'], Array<'device' | 'host' | 'port' | 'path'>> = {
  serial: ['device'],
  tcp: ['host', 'port'],
  file: ['path'],
};

function requireFieldsOfSource(schema: typeof baseSchema): z.ZodType<BaseConfig, z.input<typeof baseSchema>> {
  let out: z.ZodType<BaseConfig, z.input<typeof baseSchema>> = schema;
  for (const [source, fields] of Object.entries(REQUIRED)) {
    for (const field of fields) {
      out = out.refine((c) => c.source !== source || c[field] !== undefined, {
        path: [field],
        message: `required when source is ${source}`,
        // Checked even when another field is wrong (as long as `source` is readable), so every error is listed.
        when: (payload) => (payload.value as { source?: unknown } | undefined)?.source === source,
      });
    }
  }
  return out;
}

/**
 * Config of a `dsmr` driver instance. `source` picks where bytes come from and which other
 * fields are required: `serial` needs `device` (`baudRate` 115200 for DSMR 4/5, 9600 for DSMR
 * 2.2/3 which also selects 7E1), `tcp` needs `host` and `port`, `file` needs `path`.
 *
 * @example
 * ```ts
 * dsmrConfigSchema.parse({ source: 'tcp', host: '192.168.1.40', port: 8088 }); // prefix 'p1', requireCrc true
 * ```
 */
export const dsmrConfigSchema = requireFieldsOfSource(baseSchema);

export type DsmrConfig = z.output<typeof dsmrConfigSchema>;

/** Wiring that is not householder config: tests inject a source or a short backoff. */
export interface DsmrDriverOptions {
  /** Use this source instead of the one the config describes. */
  source?: ByteSource;
  backoff?: Backoff;
}

/** Builds the byte source a config describes. */
export function dsmrByteSource(config: DsmrConfig): ByteSource {
  if (config.source === 'serial')
    return new SerialByteSource({ device: config.device ?? '', baudRate: config.baudRate });
  if (config.source === 'tcp')
    return new TcpByteSource({
      host: config.host ?? '',
      port: config.port ?? 0,
      idleTimeoutMs: config.idleTimeoutS * 1000,
    });
  return new FileByteSource(config.path ?? '');
}

/**
 * Reads P1 telegrams from a smart meter (DSMR 2.2–5.0.2, Belgian e-MUCS) and stores their values:
 * bytes → `TelegramSplitter` → `parseTelegram` (CRC checked) → `mapTelegram` → datasources
 * `<prefix>.electricity.import.t1`, `<prefix>.electricity.import.power`, `<prefix>.gas.m1`, ….
 *
 * Status counters: `telegrams` (stored), `crcErrors` (rejected for a wrong or missing CRC),
 * `parseErrors` (not a telegram), `lineWarnings` (unreadable lines in otherwise good telegrams),
 * `discardedBytes` (noise between telegrams, cut-off telegrams), `writeErrors`.
 * Serial and TCP sources reconnect with backoff (1 s doubling to 60 s); a file is replayed once.
 *
 * @example
 * ```ts
 * const driver = dsmrDriverType.create(dsmrConfigSchema.parse({ source: 'tcp', host: '192.168.1.40', port: 8088 }));
 * await driver.start(ctx, signal);
 * // later
 * await driver.stop();
 * ```
 */
export class DsmrDriver implements Driver {
  private readonly source: ByteSource;
  private readonly backoff: Backoff;
  private readonly splitter = new TelegramSplitter();
  private readonly registered = new Set<string>();
  /** Last timestamp written per datasource: a gas reading repeats in every telegram until the meter reports again. */
  private readonly lastT = new Map<string, number>();
  private readonly historySeen = new Set<string>();
  private readonly writes = new Set<Promise<void>>();
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private ctx: DriverContext | undefined;
  private discarded = 0;

  constructor(
    private readonly config: DsmrConfig,
    options: DsmrDriverOptions = {},
  ) {
    this.source = options.source ?? dsmrByteSource(config);
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /**
   * Opens the source and resolves once the first attempt is over. A serial port or socket that
   * cannot be opened yet is reported and retried in the background; a missing file throws.
   */
  async start(ctx: DriverContext, signal: AbortSignal): Promise<void> {
    if (this.controller) throw new Error('dsmr driver is already running');
    this.ctx = ctx;
    const controller = new AbortController();
    this.controller = controller;
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) controller.abort();
    for (const name of ['telegrams', 'crcErrors', 'parseErrors']) ctx.count(name, 0);
    const onData = (chunk: Buffer) => this.push(chunk);
    let first: ByteConnection | 'failed';
    try {
      first = await this.source.open(onData);
    } catch (error) {
      if (!this.source.reconnects) {
        this.controller = undefined;
        signal.removeEventListener('abort', onAbort);
        throw error;
      }
      ctx.reportError(error);
      ctx.setConnected(false);
      first = 'failed';
    }
    this.loop = keepOpen(
      this.source,
      {
        onData,
        onOpen: () => {
          this.splitter.reset();
          ctx.setConnected(true);
          ctx.log(`reading P1 telegrams from ${this.source.description}`);
        },
        onClose: (error) => {
          ctx.setConnected(false);
          if (error) ctx.reportError(error);
          else if (!this.source.reconnects) ctx.log(`${this.source.description}: replay finished`);
        },
      },
      controller.signal,
      this.backoff,
      first,
    ).finally(() => signal.removeEventListener('abort', onAbort));
  }

  /** Closes the source and waits until every queued write has settled. */
  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    await Promise.allSettled([...this.writes]);
    this.controller = undefined;
    this.loop = undefined;
  }

  /** Resolves when the source has ended for good (a finished replay) and its writes are stored. */
  async finished(): Promise<void> {
    await this.loop;
    await Promise.allSettled([...this.writes]);
  }

  private push(chunk: Buffer): void {
    const ctx = this.ctx;
    if (!ctx) return;
    for (const text of this.splitter.push(chunk)) this.handle(ctx, text);
    const discarded = this.splitter.discardedBytes;
    if (discarded > this.discarded) ctx.count('discardedBytes', discarded - this.discarded);
    this.discarded = discarded;
  }

  private handle(ctx: DriverContext, text: string): void {
    let telegram: ReturnType<typeof parseTelegram>;
    try {
      telegram = parseTelegram(text, { requireCrc: this.config.requireCrc });
    } catch (error) {
      ctx.count(error instanceof TelegramCrcError ? 'crcErrors' : 'parseErrors');
      ctx.reportError(error);
      return;
    }
    if (telegram.crc.valid === false) ctx.count('crcErrors'); // kept: requireCrc is off
    if (telegram.warnings.length > 0) ctx.count('lineWarnings', telegram.warnings.length);
    const { datasources, readings, history } = mapTelegram(telegram, {
      prefix: this.config.prefix,
      receivedAt: ctx.now(),
      driver: ctx.instanceId,
    });
    for (const spec of datasources) {
      if (this.registered.has(spec.id)) continue;
      ctx.registerDatasource(spec);
      this.registered.add(spec.id);
    }
    const bySource = new Map<string, Reading[]>();
    for (const { sourceId, t, v } of readings) {
      if (t === this.lastT.get(sourceId)) continue;
      this.lastT.set(sourceId, t);
      const list = bySource.get(sourceId);
      if (list) list.push({ t, v });
      else bySource.set(sourceId, [{ t, v }]);
    }
    for (const reading of history) {
      const key = `${reading.sourceId}@${reading.t}`;
      if (this.historySeen.has(key)) continue;
      // bounded: a log entry forgotten after this many others is written again, and the store ignores it
      if (this.historySeen.size >= 4096) this.historySeen.clear();
      this.historySeen.add(key);
      const list = bySource.get(reading.sourceId);
      if (list) list.push({ t: reading.t, v: reading.v });
      else bySource.set(reading.sourceId, [{ t: reading.t, v: reading.v }]);
    }
    ctx.count('telegrams');
    for (const [sourceId, list] of bySource) this.track(ctx, ctx.write(sourceId, list));
  }

  private track(ctx: DriverContext, write: Promise<void>): void {
    const settled = write.then(
      () => undefined,
      (error: unknown) => {
        ctx.count('writeErrors');
        ctx.reportError(error);
      },
    );
    this.writes.add(settled);
    void settled.finally(() => this.writes.delete(settled));
  }
}

/**
 * The `dsmr` driver type for the driver manager.
 *
 * @example
 * ```sh
 * databox driver add dsmr --source tcp --host 192.168.1.40 --port 8088
 * databox driver add dsmr --source serial --device /dev/ttyUSB0 --baudRate 115200
 * ```
 */
export const dsmrDriverType: DriverType<DsmrConfig> = {
  type: 'dsmr',
  description: 'Dutch/Belgian smart meter P1 port (DSMR 2.2–5, e-MUCS) over serial, TCP or a file',
  configSchema: dsmrConfigSchema,
  create: (config) => new DsmrDriver(config),
};
