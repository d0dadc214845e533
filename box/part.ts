/**
 * The contract of every long-lived part of the box (HTTP server, retention job, drivers, app
 * runner, gateway supervisor): a constructor that does no I/O, `start(signal)` and `stop()`. The
 * box starts parts one at a time, attributes a failure to the part that failed and keeps the
 * others running (zigbee2mqtt `extension.ts`, homebridge's plugin isolation).
 */
export interface BoxPart {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}
