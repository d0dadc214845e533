import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { DeliveryEvent, ExportRequest, ExportStatusView, GatewayHealth } from './protocol.ts';

/** An error answer from the gateway socket. */
export class GatewayRequestError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'GatewayRequestError';
    this.status = status;
    this.code = code;
  }
}

/** The sha256 the gateway expects for a payload: hex of `JSON.stringify(payload)`. */
export function payloadSha256(payload: unknown): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex');
}

/**
 * A small client for the gateway's socket API (the box side, tests and the benchmark use it).
 *
 * @example
 * const gateway = new GatewayClient('/var/lib/databox/gateway/gateway.sock');
 * await gateway.submit({ id, appId, runId, destination, payload, payloadSha256: payloadSha256(payload), createdAt });
 * const { events } = await gateway.events(lastSeq);
 */
export class GatewayClient {
  readonly #socketPath: string;
  constructor(socketPath: string) {
    this.#socketPath = socketPath;
  }

  /** Queues an export; resolves once it is durably stored (202). */
  submit(exportRequest: ExportRequest): Promise<{ accepted: true; id: string }> {
    return this.#call('POST', '/v1/exports', exportRequest);
  }
  status(id: string): Promise<ExportStatusView> {
    return this.#call('GET', `/v1/exports/${encodeURIComponent(id)}`);
  }
  retry(id: string): Promise<{ accepted: true; id: string }> {
    return this.#call('POST', `/v1/exports/${encodeURIComponent(id)}/retry`);
  }
  events(after = 0, limit = 100): Promise<{ events: DeliveryEvent[] }> {
    return this.#call('GET', `/v1/events?after=${after}&limit=${limit}`);
  }
  health(): Promise<GatewayHealth> {
    return this.#call('GET', '/v1/health');
  }

  #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          socketPath: this.#socketPath,
          method,
          path,
          headers:
            text === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            let json: { error?: { code: string; message: string } };
            try {
              json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              return reject(
                new GatewayRequestError(res.statusCode ?? 0, 'bad_response', 'gateway sent no JSON'),
              );
            }
            const status = res.statusCode ?? 0;
            if (status >= 400) {
              const e = json.error ?? { code: 'error', message: `status ${status}` };
              return reject(new GatewayRequestError(status, e.code, e.message));
            }
            resolve(json as T);
          });
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  }
}
