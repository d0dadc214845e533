import type { MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';
import { PayloadTooLargeError } from '../errors.ts';

/**
 * Refuses a request body over `maxBytes` with 413 (`PayloadTooLargeError`).
 *
 * A body sent with `Content-Length` (every client the box knows: browsers, curl, Telegraf, Home
 * Assistant, the SDK) is judged by that header and left unread, so the handler's `c.req.text()`
 * takes @hono/node-server's direct read from the socket. hono's own `bodyLimit` touches
 * `c.req.raw.body` first, which builds a web `Request` and a `ReadableStream` around the socket
 * for every request, GETs included: line-protocol ingest took 1.91 µs of CPU a point with it and
 * 1.72 without, JSON 1.56 and 1.46 (bench/ingest-interleaved.ts, bench/README.md). Node's HTTP parser never delivers more bytes than `Content-Length` declares,
 * so the header is the size. A chunked body (`Transfer-Encoding`) has no size up front and is
 * counted as it streams, by hono's middleware, and so is any other body without the header (an
 * in-process `app.request`). GET and HEAD bodies are never read.
 *
 * @example
 * app.use('/api/*', bodyLimit(1 << 24));
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler {
  const streaming = streamingBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError(maxBytes);
    },
  });
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streaming(c, next);
    if (Number(length) > maxBytes) throw new PayloadTooLargeError(maxBytes);
    await next();
  };
}
