/**
 * What an MQTT device-family decoder turns one message into, and the contract every family meets.
 * Decoders are pure apart from the per-family `state` they keep in the {@link DecodeContext}: no
 * broker, no store, no clock other than `ctx.now()`. The MQTT driver calls them for each message,
 * registers the datasources (idempotently: the same id always comes with the same kind, unit and
 * value type) and writes the readings and events in batches.
 */
import { DataboxError } from '../../box/errors.ts';
import type { DatasourceSpec } from '../../box/store/types.ts';

/** One numeric reading for datasource `sourceId`: `t` in ms since the Unix epoch. */
export interface DecodedReading {
  sourceId: string;
  t: number;
  v: number;
}

/** One JSON event for an `event` datasource. */
export interface DecodedEvent {
  sourceId: string;
  t: number;
  data: unknown;
}

/**
 * The result of decoding one message. `datasources` lists a spec for every `sourceId` used in
 * `readings` and `events` (and, for configuration messages such as Home Assistant discovery, the
 * datasources that will receive data later). An ignored message decodes to three empty arrays.
 */
export interface Decoded {
  datasources: DatasourceSpec[];
  readings: DecodedReading[];
  events: DecodedEvent[];
  /** Things the driver should show in its status (e.g. a discovery config whose unit contradicts its class). */
  warnings?: string[];
}

/**
 * What a decoder may use besides the message itself.
 *
 * @example
 * ```ts
 * const ctx: DecodeContext = { now: () => Date.now(), state: {}, options: { driver: 'mqtt' } };
 * ```
 */
export interface DecodeContext {
  /** Receive time in ms; used when the payload carries no usable timestamp. */
  now(): number;
  /**
   * Mutable state the driver keeps for the lifetime of a connection, one slot per family (keyed by
   * `FamilyDecoder.family`), e.g. Zigbee2MQTT device models from `bridge/devices` or Home Assistant
   * discovery configs. Read it through `familyState()`; start with `{}`.
   */
  state: Record<string, unknown>;
  /** Options shared by all families. Topic prefixes are per-decoder options given at construction. */
  options?: DecodeOptions;
}

export interface DecodeOptions {
  /** Driver instance id, stamped on every datasource spec as `driver`. */
  driver?: string;
}

/**
 * One device family: recognises its topics and decodes their payloads.
 *
 * `matches` takes the context as an optional second argument because some families (Home Assistant
 * discovery) learn their state topics from earlier messages; families with fixed topics ignore it.
 *
 * @example
 * ```ts
 * const decoder = createGlowDecoder();
 * if (decoder.matches(topic, ctx)) {
 *   const { datasources, readings } = decoder.decode(topic, payload, ctx);
 * }
 * ```
 */
export interface FamilyDecoder {
  /** Short stable name, e.g. `zigbee2mqtt`; also the key of this family's slot in `ctx.state`. */
  readonly family: string;
  matches(topic: string, ctx?: DecodeContext): boolean;
  /** Decodes one message; throws {@link DecodeError} for a malformed or unexpected payload. */
  decode(topic: string, payload: Buffer, ctx: DecodeContext): Decoded;
}

/**
 * A payload a decoder cannot make sense of (bad JSON, a string where a number belongs, an
 * unsupported template). The message names the topic and the problem; the driver counts these.
 *
 * @example
 * ```ts
 * throw new DecodeError('zigbee2mqtt/kitchen', 'temperature is "hot", expected a number');
 * ```
 */
export class DecodeError extends DataboxError {
  readonly topic: string;
  readonly problem: string;

  constructor(topic: string, problem: string, options?: { cause?: unknown }) {
    super(422, 'mqtt_decode_error', `MQTT message on "${topic}": ${problem}`, options);
    this.topic = topic;
    this.problem = problem;
  }
}

/**
 * A decoded message with nothing in it: what decoders return for topics they recognise but ignore.
 *
 * @example
 * ```ts
 * if (topic.endsWith('/availability')) return emptyDecoded();
 * ```
 */
export function emptyDecoded(): Decoded {
  return { datasources: [], readings: [], events: [] };
}

/**
 * The slot of `ctx.state` that belongs to `family`, created by `init` on first use.
 *
 * @example
 * ```ts
 * const devices = familyState(ctx, 'zigbee2mqtt', () => ({ byName: new Map<string, Device>() }));
 * ```
 */
export function familyState<T>(ctx: DecodeContext, family: string, init: () => T): T {
  if (!(family in ctx.state)) ctx.state[family] = init();
  return ctx.state[family] as T;
}

/**
 * A fresh context: receive time from `now` (default `Date.now`) and empty state.
 *
 * @example
 * ```ts
 * const ctx = createDecodeContext({ now: () => 1_700_000_000_000, driver: 'mqtt' });
 * ```
 */
export function createDecodeContext(init: { now?: () => number; driver?: string } = {}): DecodeContext {
  return {
    now: init.now ?? (() => Date.now()),
    state: {},
    options: init.driver === undefined ? {} : { driver: init.driver },
  };
}
