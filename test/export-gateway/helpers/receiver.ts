import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One request a test receiver saw. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A local receiver: real HTTP(S) server on 127.0.0.1 that records requests and answers via `handle`. */
export interface Receiver {
  port: number;
  url(path?: string): string;
  requests: Received[];
  close(): Promise<void>;
}

export type Handler = (req: Received, res: ServerResponse) => void;

/** Starts a receiver; `tls` makes it HTTPS with that certificate. Default handler: 200 `ok`. */
export async function startReceiver(
  handle: Handler = (_req, res) => res.end('ok'),
  tls?: { cert: string; key: string },
): Promise<Receiver> {
  const requests: Received[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(received);
      handle(received, res);
    });
  };
  const server: Server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const scheme = tls ? 'https' : 'http';
  return {
    port,
    url: (path = '/in') => `${scheme}://${tls ? 'localhost' : '127.0.0.1'}:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
