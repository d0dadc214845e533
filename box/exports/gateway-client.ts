import { request } from 'node:http';
import type { GatewayEvent, GatewaySubmission } from './types.ts';

/** An answer of the gateway socket: its HTTP status and parsed JSON body. */
export interface GatewayReply<T = unknown> {
  status: number;
  body: T;
}

export interface GatewayExportStatus {
  id: string;
  status: 'queued' | 'delivering' | 'delivered' | 'failed';
  attempts: number;
  lastError?: string;
  responseStatus?: number;
  deliveredAt?: number;
  nextAttemptAt?: number;
}

/**
 * The box's client of the export gateway's socket API (HTTP/1.1 over `<home>/gateway/gateway.sock`,
 * JSON bodies). It only talks to that local socket; rejects when the socket does not answer.
 *
 * @example
 * const gateway = new GatewayClient('/srv/databox/gateway/gateway.sock');
 * await gateway.submit(submission); // { status: 202, body: { accepted: true, id } }
 * (await gateway.events(0, 100)).events;
 */
export class GatewayClient {
  readonly socketPath: string;
  readonly #timeoutMs: number;

  constructor(socketPath: string, timeoutMs = 5000) {
    this.socketPath = socketPath;
    this.#timeoutMs = timeoutMs;
  }

  submit(submission: GatewaySubmission): Promise<GatewayReply<{ accepted?: boolean; error?: GatewayError }>> {
    return this.#call('POST', '/v1/exports', submission, { 'idempotency-key': submission.id });
  }

  status(id: string): Promise<GatewayReply<GatewayExportStatus & { error?: GatewayError }>> {
    return this.#call('GET', `/v1/exports/${encodeURIComponent(id)}`);
  }

  retry(id: string): Promise<GatewayReply<{ error?: GatewayError }>> {
    return this.#call('POST', `/v1/exports/${encodeURIComponent(id)}/retry`, {});
  }

  async events(after: number, limit: number): Promise<GatewayEvent[]> {
    const reply = await this.#call<{ events?: GatewayEvent[]; error?: GatewayError }>(
      'GET',
      `/v1/events?after=${after}&limit=${limit}`,
    );
    if (reply.status !== 200 || !Array.isArray(reply.body.events))
      throw new Error(`the gateway answered ${reply.status} to GET /v1/events: ${describe(reply.body)}`);
    return reply.body.events;
  }

  health(): Promise<GatewayReply<{ ok?: boolean; queued?: number; delivering?: number; failed?: number }>> {
    return this.#call('GET', '/v1/health');
  }

  #call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<GatewayReply<T>> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          method,
          path,
          headers: {
            ...headers,
            ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}),
          },
          timeout: this.#timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = {};
            try {
              parsed = text === '' ? {} : JSON.parse(text);
            } catch {
              parsed = { error: { code: 'not_json', message: text.slice(0, 200) } };
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`the gateway did not answer ${method} ${path} in time`)));
      req.on('error', reject);
      req.end(data);
    });
  }
}

export interface GatewayError {
  code?: string;
  message?: string;
}

/** The gateway's error message in a reply body, or the body itself. */
export function describe(body: unknown): string {
  const error = (body as { error?: GatewayError } | null)?.error;
  return error?.message ? `${error.code ?? 'error'}: ${error.message}` : JSON.stringify(body).slice(0, 200);
}
