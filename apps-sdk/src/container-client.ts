import type { IncomingMessage, RequestOptions } from 'node:http';
import { AppApiError, type AppApiErrorCode } from './app-api-error.ts';
import { CALL_PATH } from './transport.ts';
import type { CallFunction } from './wire.ts';

type HttpModule = {
  request: (
    options: RequestOptions,
    callback: (res: IncomingMessage) => void,
  ) => import('node:http').ClientRequest;
};

// A computed specifier so bundlers never try to resolve node:http for isolate (platform neutral)
// bundles; only the container branch of defineApp ever runs this.
const HTTP_MODULE = ['node', 'http'].join(':');

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/**
 * The container transport: `POST /v1/call` over the run's unix socket with the run token.
 * Resolves with `result`; rejects with an {@link AppApiError} carrying the box's code and message.
 *
 * @example
 * ```ts
 * const call = createSocketCall(process.env.DATABOX_API_SOCKET!, process.env.DATABOX_RUN_TOKEN!);
 * const grants = await call('data.grants', {});
 * ```
 */
export function createSocketCall(socketPath: string, token: string): CallFunction {
  let http: Promise<HttpModule> | undefined;
  return async (method, params) => {
    http ??= import(HTTP_MODULE) as Promise<HttpModule>;
    const { request } = await http;
    const body = JSON.stringify({ method, params });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(
        {
          socketPath,
          path: CALL_PATH,
          method: 'POST',
          agent: false,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        resolve,
      );
      req.on('error', (error) =>
        reject(new AppApiError('internal', `cannot reach the box at ${socketPath}: ${error.message}`)),
      );
      req.end(body);
    });
    const text = await readBody(res);
    let json: { result?: unknown; error?: { code?: string; message?: string } };
    try {
      json = JSON.parse(text);
    } catch {
      throw new AppApiError(
        'internal',
        `${method}: the box answered ${res.statusCode} with a body that is not JSON`,
      );
    }
    if (res.statusCode === 200) return json.result ?? null;
    const code = (json.error?.code ?? 'internal') as AppApiErrorCode;
    throw new AppApiError(code, json.error?.message ?? `${method} failed with HTTP ${res.statusCode}`);
  };
}
