import { createServer as createHttpsServer } from 'node:https';

import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { BoxPart } from './part.ts';

/** How long an idle keep-alive connection stays open (Node's default is 5 s). */
const KEEP_ALIVE_MS = 30_000;

/** Serves the hono app on host:port (port 0 picks a free one; `url` tells which). */
export class HttpServer implements BoxPart {
  readonly name: string;
  #server: ServerType | undefined;
  url = '';

  constructor(
    private readonly app: Hono,
    private readonly host: string,
    private readonly port: number,
    /** Serve HTTPS with this certificate (the `https` part; see docs/operations.md). */
    private readonly tls?: { cert: string; key: string },
  ) {
    this.name = tls ? 'https' : 'http';
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = serve(
        {
          fetch: this.app.fetch,
          hostname: this.host,
          port: this.port,
          ...(this.tls
            ? { createServer: createHttpsServer, serverOptions: { cert: this.tls.cert, key: this.tls.key } }
            : {}),
        },
        (info: AddressInfo) => {
          const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
          this.url = `${this.tls ? 'https' : 'http'}://${host}:${info.port}`;
          resolve();
        },
      );
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(
                `port ${this.port} on ${this.host} is already in use (is another box running? try --port)`,
              )
            : error,
        ),
      );
      // Node closes an idle keep-alive connection after 5 s; a client reusing it just then (its own
      // 4 s timer, a busy box whose timers run before pending reads) gets "other side closed" on a
      // POST it cannot retry. Keep idle connections longer than clients do; headers must still
      // arrive within headersTimeout, so a slow client cannot hold a request open.
      const http = server as unknown as { keepAliveTimeout: number; headersTimeout: number };
      http.keepAliveTimeout = KEEP_ALIVE_MS;
      http.headersTimeout = KEEP_ALIVE_MS + 5_000;
      this.#server = server;
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#server) return resolve();
      this.#server.close(() => resolve());
      (this.#server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
  }
}
