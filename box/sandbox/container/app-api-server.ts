import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { AppApiError } from '../../../apps-sdk/src/app-api-error.ts';
import { appError } from '../../arbiter/app-error.ts';
import { DataboxError, issuesToDetails } from '../../errors.ts';

/** Answers one app call; CORE's `RunSession.handle` (it validates params and enforces the grant). */
export type CallHandler = (method: string, params: unknown) => Promise<unknown>;

/**
 * Default largest body: the largest legitimate call is an export at the manifest's largest
 * `maxBytes` (1,000,000 bytes of JSON), plus its envelope; 1 MiB + 64 KiB leaves room for both.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024 + 64 * 1024;

export interface AppApiServerOptions {
  /**
   * Largest request body accepted, in bytes: counted as it streams, 413 and the connection closed
   * as soon as it is passed. Default {@link DEFAULT_MAX_BODY_BYTES}; the session checks the real limit.
   */
  maxBodyBytes?: number;
  /** Calls handled at once; more get 429 until one finishes. Default 8. */
  maxConcurrentCalls?: number;
  /** Open connections at once; the server closes further ones as soon as it accepts them. Default 8. */
  maxConnections?: number;
  /** Body bytes buffered across all of the run's requests at once; past it, 429. Default 4 MiB. */
  maxInFlightBytes?: number;
  /** A connection must send its whole header within this (slowloris). Default 5000 ms. */
  headersTimeoutMs?: number;
  /** …and its whole request within this. Default 30,000 ms. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. Default 5000 ms. */
  idleTimeoutMs?: number;
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
  readonly #maxInFlightBytes: number;
  readonly #onInternalError: (method: string, error: unknown) => void;
  readonly #server: Server;
  #revoked = false;
  #inFlight = 0;
  #calls = 0;
  #bufferedBytes = 0;

  constructor(handle: CallHandler, options: AppApiServerOptions = {}) {
    this.#handle = handle;
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#maxConcurrent = options.maxConcurrentCalls ?? 8;
    this.#maxInFlightBytes = options.maxInFlightBytes ?? 4 * 1024 * 1024;
    this.#onInternalError = options.onInternalError ?? (() => {});
    const headersTimeout = options.headersTimeoutMs ?? 5_000;
    const idleTimeout = options.idleTimeoutMs ?? 5_000;
    this.#server = createServer(
      {
        headersTimeout,
        requestTimeout: Math.max(headersTimeout, options.requestTimeoutMs ?? 30_000),
        keepAliveTimeout: idleTimeout,
        // how often Node enforces the two timeouts above (its default, 30 s, lets slow clients linger)
        connectionsCheckingInterval: Math.min(1_000, headersTimeout),
      },
      (req, res) => {
        this.#serve(req, res).catch((error: unknown) => this.#fail(res, error));
      },
    );
    // Every connection holds a file descriptor of the daemon: one app must not be able to take
    // them all (an attacker opened ~20,000 half-open ones). Past the cap Node closes each new one.
    this.#server.maxConnections = options.maxConnections ?? 8;
    // a connection that goes silent mid-body is closed too
    this.#server.setTimeout(Math.max(idleTimeout, headersTimeout));
  }

  /** Connections open right now (at most `maxConnections`). */
  connections(): Promise<number> {
    return new Promise((resolve, reject) =>
      this.#server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );
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
    const body = parseCall(await this.#readBody(req));
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
        // the SDK's own rules (planRead, …) refuse with AppApiError: it travels with its code
        if (error instanceof AppApiError) throw appError(error.code, error.message);
        if (!(error instanceof DataboxError)) this.#onInternalError(body.method, error);
        throw error;
      }
      send(res, 200, { result: result === undefined ? null : result });
    } finally {
      this.#inFlight--;
    }
  }

  /**
   * Reads the body, counting bytes as they arrive: past `maxBodyBytes` (or the run's in-flight
   * byte budget) it stops reading at once, so a 16 MiB body costs at most the limit in memory.
   */
  #readBody(req: IncomingMessage): Promise<string> {
    const limit = this.#maxBodyBytes;
    const tooLarge = () =>
      unread(
        new DataboxError(413, 'payload_too_large', `request body is larger than the limit of ${limit} bytes`),
      );
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.pause();
      return Promise.reject(tooLarge());
    }
    // Events rather than `for await`: leaving that loop early destroys the socket before the 413 is sent.
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const release = () => {
        this.#bufferedBytes -= size;
        size = 0;
      };
      const stop = (error: DataboxError) => {
        req.off('data', onData);
        req.pause();
        release();
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        if (size + chunk.length > limit) return stop(tooLarge());
        if (this.#bufferedBytes + chunk.length > this.#maxInFlightBytes)
          return stop(
            unread(
              new DataboxError(
                429,
                'rate_limited',
                `this run's calls in flight already hold ${this.#maxInFlightBytes} bytes: wait for one to finish`,
              ),
            ),
          );
        size += chunk.length;
        this.#bufferedBytes += chunk.length;
        chunks.push(chunk);
      };
      req.on('data', onData);
      req.once('error', (error) => {
        release();
        reject(error);
      });
      req.once('end', () => {
        release();
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
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
      if (UNREAD_BODY.has(error)) {
        // the rest of the body stays unread: answer, then drop the connection instead of draining it
        res.setHeader('connection', 'close');
        res.once('finish', () => res.socket?.destroy());
      }
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

/** Errors answered before the body was read: the connection is closed after the answer. */
const UNREAD_BODY = new WeakSet<DataboxError>();
function unread(error: DataboxError): DataboxError {
  UNREAD_BODY.add(error);
  return error;
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
