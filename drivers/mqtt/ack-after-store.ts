/**
 * QoS 1 acknowledgements sent only once a message's data is durably stored.
 *
 * mqtt.js hands incoming PUBLISH packets to `client.handleMessage(packet, callback)` one at a time
 * and sends the PUBACK when `callback()` is called, but it also waits for that callback before it
 * looks at the next packet. Acking after each message's own commit would therefore allow one
 * message per store flush. Instead the callback is called at once with a sentinel error, which
 * lets mqtt.js go on to the next packet WITHOUT sending a PUBACK (its QoS 1 path skips the ack when
 * the callback gets an error), and the PUBACK is sent here when the message's outcome is known,
 * in arrival order (MQTT 3.1.1 §4.6), on the connection the message came in on.
 *
 * A message stored but not yet acknowledged when the connection drops is redelivered by the broker
 * after the reconnect, with the DUP flag and the same packet id; that redelivery is recognised
 * (same id, topic and payload) and acknowledged without being stored a second time.
 */
import type { IPublishPacket, MqttClient } from 'mqtt';

/** What became of a message: stored, dropped for good (malformed, ignored), or not stored (retry). */
export type MessageOutcome = 'stored' | 'dropped' | 'failed';

interface Unacked {
  topic: string;
  payload: Buffer;
  outcome: Promise<MessageOutcome>;
}

const DEFERRED = new Error('databox: PUBACK deferred until the message is stored');

/**
 * @example
 * const acks = new AckAfterStore(client);
 * client.on('connect', () => acks.connected());
 * client.handleMessage = (packet, callback) => acks.handle(packet, callback, (p) => storeMessage(p));
 */
export class AckAfterStore {
  readonly #client: MqttClient;
  #generation = 0;
  #chain: Promise<void> = Promise.resolve();
  readonly #unacked = new Map<number, Unacked>();
  /** Redeliveries recognised and not stored again. */
  redelivered = 0;

  constructor(client: MqttClient) {
    this.#client = client;
  }

  /** Call on every (re)connect: acks of messages from an earlier connection are not sent. */
  connected(): void {
    this.#generation++;
  }

  /** Messages whose outcome or ack is still pending. */
  get pending(): number {
    return this.#unacked.size;
  }

  /**
   * Processes one packet with `store` and lets mqtt.js continue; QoS 1 is acked when `store`'s
   * outcome is `stored` or `dropped`. `failed` leaves it unacked so the broker redelivers it.
   */
  handle(
    packet: IPublishPacket,
    callback: (error?: Error) => void,
    store: (packet: IPublishPacket) => Promise<MessageOutcome>,
  ): void {
    if (packet.qos !== 1 || packet.messageId === undefined) {
      void store(packet);
      callback();
      return;
    }
    const id = packet.messageId;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const prior = packet.dup ? this.#unacked.get(id) : undefined;
    let outcome: Promise<MessageOutcome>;
    if (prior && prior.topic === packet.topic && prior.payload.equals(payload)) {
      this.redelivered++;
      outcome = prior.outcome.then((o) => (o === 'failed' ? store(packet) : o));
    } else {
      outcome = store(packet);
    }
    const entry: Unacked = { topic: packet.topic, payload, outcome };
    this.#unacked.set(id, entry);
    const generation = this.#generation;
    this.#chain = this.#chain.then(async () => {
      const result = await outcome.catch((): MessageOutcome => 'failed');
      if (result === 'failed') return;
      if (generation !== this.#generation || !this.#client.connected) return; // acked on redelivery
      sendPuback(this.#client, id);
      if (this.#unacked.get(id) === entry) this.#unacked.delete(id);
    });
    callback(DEFERRED);
  }

  /** Resolves when every ack that can be sent now has been sent. */
  settled(): Promise<void> {
    return this.#chain;
  }
}

function sendPuback(client: MqttClient, messageId: number): void {
  // mqtt.js has no public API for a deferred ack; `_sendPacket` is what its own QoS 1 path calls
  const internal = client as unknown as {
    _sendPacket(packet: { cmd: 'puback'; messageId: number }, cb: () => void): void;
  };
  internal._sendPacket({ cmd: 'puback', messageId }, () => {});
}
