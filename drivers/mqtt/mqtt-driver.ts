/**
 * The MQTT driver: subscribes to a broker, decodes each message with the device families
 * (Zigbee2MQTT, Shelly, Tasmota, Glow, Home Assistant discovery, generic mappings) and stores the
 * readings through the driver context.
 *
 * - Persistent session (`clean: false`, a fixed client id): QoS 1 messages published while the box
 *   was away are delivered when it reconnects.
 * - QoS 1 messages are acknowledged only after their readings are stored ({@link AckAfterStore});
 *   the buffer is flushed as soon as mqtt.js has no more packets at hand, because the broker stops
 *   sending after ~20 unacknowledged messages (mosquitto's `max_inflight_messages`).
 * - A malformed payload, an unknown topic, a recognised but ignored one (`ignoredTopics`) or a value
 *   the store refuses is counted and dropped;
 *   a store failure makes the driver `ctx.fail`, so the manager restarts it and the broker
 *   redelivers what was not acknowledged.
 * - Reconnects by itself; the delay doubles from `reconnectPeriodMs` to `maxReconnectPeriodMs`.
 * - Receive times are kept strictly increasing per instance, so a burst of queued messages for one
 *   device delivered within a millisecond is not taken for duplicates by the store.
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { DataboxError } from '../../box/errors.ts';
import type { Reading } from '../../box/store/types.ts';
import type { Driver, DriverContext, DriverType } from '../driver.ts';
import { AckAfterStore, type MessageOutcome } from './ack-after-store.ts';
import { createDecodeContext, type DecodeContext, DecodeError, type FamilyDecoder } from './decoded.ts';
import { createDecoders, decodeMessage } from './families/index.ts';
import { followHaStateTopics } from './ha-state-topics.ts';
import { type MqttConfig, mqttConfigSchema, subscriptions } from './mqtt-config.ts';

/**
 * @example
 * const driver = new MqttDriver(mqttConfigSchema.parse({ url: 'mqtt://127.0.0.1:1883' }));
 * await driver.start(ctx, signal); // connected and subscribed
 * await driver.stop();
 */
export class MqttDriver implements Driver {
  readonly #config: MqttConfig;
  #client: MqttClient | undefined;
  #ctx!: DriverContext;
  #acks!: AckAfterStore;
  #decoders: FamilyDecoder[] = [];
  #decodeCtx!: DecodeContext;
  #receivedAt = 0;
  #flushScheduled = false;
  readonly #subscribed = new Set<string>();

  constructor(config: MqttConfig) {
    this.#config = config;
  }

  async start(ctx: DriverContext, signal: AbortSignal): Promise<void> {
    const config = this.#config;
    this.#ctx = ctx;
    this.#decoders = createDecoders({
      mappings: config.mappings,
      zigbee2mqttPrefix: config.zigbee2mqttBaseTopic ?? config.zigbee2mqttPrefix,
      haDiscoveryPrefix: config.haDiscoveryPrefix,
      glowPrefix: config.glowPrefix,
      tasmotaUtcOffsetMinutes: config.tasmotaUtcOffsetMinutes,
    });
    this.#decodeCtx = createDecodeContext({ now: () => this.#receivedAt, driver: ctx.instanceId });
    // loaded on first use: a box with no MQTT driver does not pay ~18 MB for mqtt.js
    const { default: mqtt } = await import('mqtt');
    const client = mqtt.connect(config.url, this.#clientOptions(ctx.instanceId));
    this.#client = client;
    this.#acks = new AckAfterStore(client);
    client.handleMessage = (packet, callback) =>
      this.#acks.handle(packet, callback, (p) => this.#onMessage(p));
    client.on('connect', () => {
      this.#acks.connected();
      client.options.reconnectPeriod = config.reconnectPeriodMs;
      ctx.setConnected(true);
      // a persistent session keeps subscriptions, but the broker may have lost it: subscribe again
      this.#subscribe([...this.#subscribed]);
    });
    client.on('reconnect', () => {
      const next = Math.min((client.options.reconnectPeriod ?? 1000) * 2, config.maxReconnectPeriodMs);
      client.options.reconnectPeriod = next;
    });
    client.on('close', () => ctx.setConnected(false));
    client.on('error', (error) => ctx.reportError(error));

    for (const topic of subscriptions(config)) this.#subscribed.add(this.#withPrefix(topic));
    await new Promise<void>((resolve, reject) => {
      const onConnect = () => {
        cleanup();
        resolve();
      };
      const onError = (error: Error) => {
        cleanup();
        reject(new Error(`cannot connect to ${config.url}: ${error.message}`));
      };
      const onAbort = () => onError(new Error('stopped'));
      const timer = setTimeout(
        () => onError(new Error(`no answer within ${config.connectTimeoutMs} ms`)),
        config.connectTimeoutMs,
      );
      const cleanup = () => {
        clearTimeout(timer);
        client.off('connect', onConnect);
        client.off('error', onError);
        signal.removeEventListener('abort', onAbort);
      };
      client.once('connect', onConnect);
      client.once('error', onError);
      signal.addEventListener('abort', onAbort, { once: true });
    }).catch(async (error) => {
      await this.stop();
      throw error;
    });
  }

  /** Stores what is buffered, sends the acks that are due, then disconnects. */
  async stop(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    this.#client = undefined;
    try {
      await this.#ctx.flush?.();
      await Promise.race([this.#acks.settled(), new Promise((r) => setTimeout(r, 2_000))]);
    } finally {
      await client.endAsync(!client.connected);
    }
  }

  /** Counters and state besides the context's, for tests and the benchmark. */
  get redelivered(): number {
    return this.#acks?.redelivered ?? 0;
  }

  #clientOptions(instanceId: string): IClientOptions {
    const c = this.#config;
    return {
      clientId: c.clientId ?? `databox-${instanceId}`,
      clean: false,
      // mqtt.js formats a debug line per packet even when DEBUG is off (measured: a visible share
      // of ingest time); keep its logging only when asked for with DEBUG=mqttjs*
      log: process.env.DEBUG?.includes('mqttjs') ? undefined : () => {},
      username: c.username,
      password: c.password,
      ca: c.ca === undefined ? undefined : readFileSync(c.ca),
      rejectUnauthorized: c.rejectUnauthorized,
      reconnectPeriod: c.reconnectPeriodMs,
      connectTimeout: c.connectTimeoutMs,
      resubscribe: false,
      queueQoSZero: false,
    };
  }

  #withPrefix(topic: string): string {
    return this.#config.topicPrefix === undefined ? topic : `${this.#config.topicPrefix}/${topic}`;
  }

  #subscribe(topics: string[]): void {
    const client = this.#client;
    if (!client || topics.length === 0) return;
    client.subscribe(topics, { qos: this.#config.qos }, (error) => {
      if (error) this.#ctx.reportError(new Error(`subscribing to ${topics.join(', ')}: ${error.message}`));
    });
  }

  async #onMessage(packet: IPublishPacket): Promise<MessageOutcome> {
    const ctx = this.#ctx;
    ctx.count('messages');
    const prefix = this.#config.topicPrefix;
    const topic =
      prefix !== undefined && packet.topic.startsWith(`${prefix}/`)
        ? packet.topic.slice(prefix.length + 1)
        : packet.topic;
    this.#receivedAt = Math.max(Date.now(), this.#receivedAt + 1);
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    let writes: Array<Promise<void>>;
    try {
      const decoded = decodeMessage(topic, payload, this.#decodeCtx, this.#decoders);
      if (!decoded) {
        ctx.count('unknownTopics');
        return 'dropped';
      }
      if (decoded.family === 'ha-discovery') {
        const more = followHaStateTopics(this.#decodeCtx, this.#subscribed, (t) => this.#withPrefix(t));
        this.#subscribe(more);
      }
      for (const warning of decoded.warnings ?? []) {
        ctx.count('warnings');
        ctx.reportError(new Error(warning));
      }
      if (decoded.datasources.length === 0 && decoded.readings.length === 0 && decoded.events.length === 0)
        ctx.count('ignoredTopics'); // a family's topic it recognises but does not store
      for (const spec of decoded.datasources) ctx.registerDatasource(spec);
      writes = this.#writes(decoded.readings, decoded.events);
    } catch (error) {
      return this.#refused(error);
    }
    if (writes.length === 0) return 'dropped';
    if (packet.qos === 1) this.#flushSoon();
    try {
      await Promise.all(writes);
      return 'stored';
    } catch (error) {
      return this.#refused(error);
    }
  }

  #writes(
    readings: ReadonlyArray<{ sourceId: string; t: number; v: number }>,
    events: ReadonlyArray<{ sourceId: string; t: number; data: unknown }>,
  ): Array<Promise<void>> {
    const bySource = new Map<string, Reading[]>();
    for (const r of readings) {
      const list = bySource.get(r.sourceId) ?? [];
      list.push({ t: r.t, v: r.v });
      bySource.set(r.sourceId, list);
    }
    const writes = [...bySource].map(([id, list]) => this.#ctx.write(id, list));
    const eventsBySource = new Map<string, Array<{ t: number; data: unknown }>>();
    for (const e of events) {
      const list = eventsBySource.get(e.sourceId) ?? [];
      list.push({ t: e.t, data: e.data });
      eventsBySource.set(e.sourceId, list);
    }
    for (const [id, list] of eventsBySource) writes.push(this.#ctx.writeEvents(id, list));
    return writes;
  }

  /** Malformed or refused data is counted and dropped; anything else is a storage failure. */
  #refused(error: unknown): MessageOutcome {
    const ctx = this.#ctx;
    if (error instanceof DecodeError) {
      ctx.count('malformed');
      ctx.reportError(error);
      return 'dropped';
    }
    if (error instanceof DataboxError && error.status < 500) {
      ctx.count('rejected');
      ctx.reportError(error);
      return 'dropped';
    }
    ctx.fail ? ctx.fail(error) : ctx.reportError(error);
    return 'failed';
  }

  /** Flush once mqtt.js has handled every packet it has at hand (setImmediate runs after I/O). */
  #flushSoon(): void {
    if (this.#flushScheduled || !this.#ctx.flush) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      void this.#ctx.flush?.();
    });
  }
}

/**
 * The `mqtt` driver type for the registry.
 *
 * @example
 * await manager.add({ type: 'mqtt', config: { url: 'mqtt://127.0.0.1:1883', username: 'databox' } });
 */
export const mqttDriverType: DriverType<MqttConfig> = {
  type: 'mqtt',
  description:
    'MQTT broker: Zigbee2MQTT, Shelly, Tasmota, Hildebrand Glow, Home Assistant discovery and generic mappings',
  configSchema: mqttConfigSchema,
  create: (config) => new MqttDriver(config),
};
