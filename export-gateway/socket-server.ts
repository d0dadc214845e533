import { createHash } from 'node:crypto';
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import {
  BadRequestError,
  ConflictError,
  DataboxError,
  issuesToDetails,
  NotFoundError,
  PayloadTooLargeError,
} from '../box/errors.ts';
import type { Outbox } from './outbox.ts';
import { exportRequestSchema } from './protocol.ts';
import { SafeClientError } from './safe-client/errors.ts';
import { checkDestinationUrl } from './safe-client/url-policy.ts';

/** Largest request body the socket accepts (the box caps exports well below this). */
export const SOCKET_BODY_LIMIT = 1024 * 1024;

export interface SocketServerOptions {
  /** Dev mode, for the early URL check of new exports. */
  devMode: boolean;
  /** Called after an export is stored or re-queued, so delivery starts at once. */
  onQueued: () => void;
  now?: () => number;
}

type Json = Record<string, unknown>;

/**
 * The gateway's socket API for the box (HTTP/1.1 on a unix socket, JSON in and out, errors as
 * `{ error: { code, message, details } }`): `POST /v1/exports`, `GET /v1/exports/:id`,
 * `POST /v1/exports/:id/retry`, `GET /v1/events?after=&limit=`, `GET /v1/health`. An export is
 * answered 202 only after its outbox row is committed.
 *
 * @example
 * const server = new SocketServer(outbox, { devMode: false, onQueued: () => loop.wake() });
 * await server.listen('/var/lib/databox/gateway/gateway.sock');
 */
export class SocketServer {
  readonly #outbox: Outbox;
  readonly #options: SocketServerOptions;
  readonly #now: () => number;
  readonly #server: Server;

  constructor(outbox: Outbox, options: SocketServerOptions) {
    this.#outbox = outbox;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => sendError(res, error));
    });
  }

  /**
   * Listens on `path` with mode 0600. Refuses when another process answers on it; removes a
   * stale socket file left by a process that died.
   */
  async listen(path: string): Promise<void> {
    if (await answers(path)) throw new Error(`another gateway is already listening on ${path}`);
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(path, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, 0o600);
  }

  /** Stops accepting connections and closes the open ones. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const parts = url.pathname.split('/').filter(Boolean);
    const route = `${req.method} /${parts.map((p, i) => (i === 2 && parts[1] === 'exports' ? ':id' : p)).join('/')}`;
    switch (route) {
      case 'POST /v1/exports':
        return send(res, 202, await this.#accept(await readJson(req)));
      case 'GET /v1/exports/:id': {
        const view = this.#outbox.get(parts[2]);
        if (!view) throw new NotFoundError(`no export with id "${parts[2]}"`);
        return send(res, 200, view as unknown as Json);
      }
      case 'POST /v1/exports/:id/retry': {
        if (!this.#outbox.retry(parts[2], this.#now())) {
          const view = this.#outbox.get(parts[2]);
          if (!view) throw new NotFoundError(`no export with id "${parts[2]}"`);
          throw new ConflictError(
            `export "${parts[2]}" is ${view.status}; only failed exports can be retried`,
          );
        }
        this.#options.onQueued();
        return send(res, 202, { accepted: true, id: parts[2] });
      }
      case 'GET /v1/events': {
        const after = intParam(url, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
        const limit = intParam(url, 'limit', 100, 1, 1000);
        return send(res, 200, { events: this.#outbox.events(after, limit) });
      }
      case 'GET /v1/health':
        return send(res, 200, this.#outbox.health() as unknown as Json);
      default:
        throw new NotFoundError(`no route ${req.method} ${url.pathname}`);
    }
  }

  async #accept(input: unknown): Promise<Json> {
    const parsed = exportRequestSchema.safeParse(input);
    if (!parsed.success) {
      throw new BadRequestError('invalid export request', { details: issuesToDetails(parsed.error.issues) });
    }
    const request = parsed.data;
    const body = JSON.stringify(request.payload);
    const sha = createHash('sha256').update(body).digest('hex');
    if (sha !== request.payloadSha256) {
      throw new BadRequestError(
        `payloadSha256 ${request.payloadSha256} does not match sha256(JSON.stringify(payload)) = ${sha}`,
        { code: 'payload_hash_mismatch' },
      );
    }
    try {
      checkDestinationUrl(request.destination.url, request.destination.url, {
        devMode: this.#options.devMode,
      });
    } catch (error) {
      if (!(error instanceof SafeClientError)) throw error;
      throw new BadRequestError(`destination.url refused: ${error.message}`, { code: 'unsafe_destination' });
    }
    // group commit: the 202 goes out after the fsync shared with this turn's other exports
    if (await this.#outbox.acceptGrouped(request, body, this.#now())) this.#options.onQueued();
    return { accepted: true, id: request.id };
  }
}

function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const text = url.searchParams.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadRequestError(`query parameter ${name}="${text}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (Number(req.headers['content-length'] ?? 0) > SOCKET_BODY_LIMIT)
    throw new PayloadTooLargeError(SOCKET_BODY_LIMIT);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > SOCKET_BODY_LIMIT) throw new PayloadTooLargeError(SOCKET_BODY_LIMIT);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequestError('request body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown): void {
  const known = error instanceof DataboxError;
  const status = known ? error.status : 500;
  const body = {
    error: {
      code: known ? error.code : 'internal',
      message: error instanceof Error ? error.message : String(error),
      ...(known && error.details.length > 0 ? { details: error.details } : {}),
    },
  };
  if (res.headersSent) return void res.destroy();
  // the request may be unread (413): answer, then close the connection instead of draining it
  res.setHeader('connection', 'close');
  send(res, status, body);
}

/** Whether a process answers on the unix socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
