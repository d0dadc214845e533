import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { dirname } from 'node:path';
import type { GatewayEvent, GatewaySubmission } from '../../../box/exports/types.ts';

/**
 * A stand-in for the export gateway's socket API (per the contract) for the box side's tests:
 * records submissions with their Idempotency-Key, checks the payload hash like the gateway must,
 * and serves events the test appends. The real gateway is used in the end-to-end test.
 */
export class FakeGateway {
  readonly submissions: Array<{ body: GatewaySubmission; key: string | undefined; text: string }> = [];
  readonly retries: string[] = [];
  readonly events: GatewayEvent[] = [];
  /** Force a status for the next submissions (e.g. 400 or 503). */
  submitStatus: number | undefined;
  #server: Server | undefined;

  async listen(socketPath: string): Promise<void> {
    mkdirSync(dirname(socketPath), { recursive: true });
    this.#server = createServer(async (req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const url = new URL(req.url ?? '/', 'http://gateway');
      if (req.method === 'POST' && url.pathname === '/v1/exports') {
        const body = JSON.parse(await readBody(req)) as GatewaySubmission;
        const text = JSON.stringify(body.payload);
        if (createHash('sha256').update(text).digest('hex') !== body.payloadSha256)
          return send(400, { error: { code: 'hash_mismatch', message: 'payloadSha256 does not match' } });
        if (this.submitStatus) return send(this.submitStatus, { error: { code: 'forced', message: 'no' } });
        this.submissions.push({ body, key: req.headers['idempotency-key'] as string | undefined, text });
        return send(202, { accepted: true, id: body.id });
      }
      const retry = /^\/v1\/exports\/([^/]+)\/retry$/.exec(url.pathname);
      if (req.method === 'POST' && retry) {
        this.retries.push(decodeURIComponent(retry[1]));
        return send(200, { id: retry[1], status: 'queued' });
      }
      if (req.method === 'GET' && url.pathname === '/v1/events') {
        const after = Number(url.searchParams.get('after') ?? 0);
        const limit = Number(url.searchParams.get('limit') ?? 100);
        return send(200, { events: this.events.filter((e) => e.seq > after).slice(0, limit) });
      }
      send(404, { error: { code: 'not_found', message: `${req.method} ${url.pathname}` } });
    });
    const server = this.#server;
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  }

  /** Appends an event with the next seq. */
  event(event: Omit<GatewayEvent, 'seq'>): void {
    this.events.push({ seq: this.events.length + 1, ...event });
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
