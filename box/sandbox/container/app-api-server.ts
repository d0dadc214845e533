import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { DataboxError, issuesToDetails } from '../../errors.ts';

/** Answers one app call; CORE's `RunSession.handle` (it validates params and enforces the grant). */
export type CallHandler = (method: string, params: unknown) => Promise<unknown>;

export interface AppApiServerOptions {
  /**
   * Largest request body accepted, in bytes (413 past it). Default 16 MiB: room for an export
   * payload at the manifest's largest `maxBytes` (10 MB) as JSON; the session checks the real limit.
   */
  maxBodyBytes?: number;
  /** Calls handled at once; more get 429 until one finishes. Default 8. */
  maxConcurrentCalls?: number;
  /** Called when `handle` fails with something other than a `DataboxError` (answered as a 500). */
  onInternalError?: (method: string, error: unknown) => void;
}

const CALL_BODY = z.strictObject({
  method: z.string().min(1).max(100),
  params: z.unknown().optional(),
});

/**
 * The app API of one container run, served as HTTP/1.1 on a unix socket: `POST /v1/call` with
 * `Authorization: Bearer <token>` and `{ "method", "params" }` answers `{ "result" }`, or a 4xx/5xx
 * `{ "error": { "code", "message" } }`. The token is 32 random bytes made here; after
 * {@link AppApiServer.revoke} (the run is over) every request gets 401, even on an open connection.
 *
 * @example
 * const server = new AppApiServer(session.handle);
 * await server.listen('/tmp/databox-run-x/api.sock'); // mode 0666: uid 65534 in the container connects
 * // container env: DATABOX_API_SOCKET=/run/databox/api.sock, DATABOX_RUN_TOKEN=server.token
 * server.revoke();
 * await server.close();
 */
export class AppApiServer {
  /** The run's bearer token (base64url of 32 random bytes). */
  readonly token = randomBytes(32).toString('base64url');
  readonly #tokenDigest = digest(this.token);
  readonly #handle: CallHandler;
  readonly #maxBodyBytes: number;
  readonly #maxConcurrent: number;
  readonly #onInternalError: (method: string, error: unknown) => void;
  readonly #server: Server;
  #revoked = false;
  #inFlight = 0;
  #calls = 0;

  constructor(handle: CallHandler, options: AppApiServerOptions = {}) {
    this.#handle = handle;
    this.#maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
    this.#maxConcurrent = options.maxConcurrentCalls ?? 8;
    this.#onInternalError = options.onInternalError ?? (() => {});
    this.#server = createServer({ requestTimeout: 60_000, headersTimeout: 10_000 }, (req, res) => {
      this.#serve(req, res).catch((error: unknown) => this.#fail(res, error));
    });
  }

  /** Number of calls that passed authentication and reached the handler. */
  get calls(): number {
    return this.#calls;
  }

  /** Listens on `socketPath` and makes the socket connectable by any uid (the token guards it). */
  async listen(socketPath: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(socketPath, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    await chmod(socketPath, 0o666);
  }

  /** Makes the token invalid at once: every later request, on any connection, gets 401. */
  revoke(): void {
    this.#revoked = true;
  }

  /** Revokes the token, drops open connections and stops listening (removing the socket file). */
  async close(): Promise<void> {
    this.revoke();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.#authorized(req.headers.authorization)) {
      req.resume();
      throw new DataboxError(401, 'unauthorized', 'a valid run token is required (Authorization: Bearer …)');
    }
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/v1/call') {
      req.resume();
      throw new DataboxError(404, 'not_found', `no such endpoint ${req.method} ${path}: use POST /v1/call`);
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      throw new DataboxError(405, 'method_not_allowed', `use POST for /v1/call, not ${req.method}`);
    }
    const body = parseCall(await readBody(req, this.#maxBodyBytes));
    if (this.#inFlight >= this.#maxConcurrent) {
      throw new DataboxError(429, 'too_many_requests', `at most ${this.#maxConcurrent} calls at once`);
    }
    this.#inFlight++;
    this.#calls++;
    try {
      let result: unknown;
      try {
        result = await this.#handle(body.method, body.params ?? {});
      } catch (error) {
        if (!(error instanceof DataboxError)) this.#onInternalError(body.method, error);
        throw error;
      }
      send(res, 200, { result: result === undefined ? null : result });
    } finally {
      this.#inFlight--;
    }
  }

  #authorized(header: string | undefined): boolean {
    if (this.#revoked || header === undefined) return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match !== null && timingSafeEqual(digest(match[1]), this.#tokenDigest);
  }

  #fail(res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof DataboxError) {
      if (error.status === 413) res.setHeader('connection', 'close'); // the rest of the body is unread
      send(res, error.status, {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details.length > 0 ? { details: error.details } : {}),
        },
      });
    } else {
      // Host-side failures stay on the host: their messages may name paths or internals.
      send(res, 500, { error: { code: 'internal_error', message: 'the box failed to handle this call' } });
    }
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = () =>
    new DataboxError(413, 'payload_too_large', `request body is larger than the limit of ${limit} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  // Events rather than `for await`: leaving that loop early destroys the socket before the 413 is sent.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume(); // discard the rest
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseCall(text: string): z.infer<typeof CALL_BODY> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DataboxError(400, 'bad_request', `request body is not JSON: ${(cause as Error).message}`);
  }
  const parsed = CALL_BODY.safeParse(json);
  if (!parsed.success) {
    const details = issuesToDetails(parsed.error.issues, 'body');
    throw new DataboxError(
      400,
      'bad_request',
      `request body must be { "method": string, "params"?: object }: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      { details },
    );
  }
  return parsed.data;
}
