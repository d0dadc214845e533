import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request as an attacker's client sends it: any `Host` header (fetch forbids setting it),
 * and an optional source address (`localAddress`: on Linux every 127.x.y.z is the machine itself,
 * so one test can be many "clients" of a box on 127.0.0.1).
 */
export function rawRequest(
  url: string,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
    localAddress?: string;
  },
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        path: options.path,
        headers: {
          ...(options.body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
          ...options.headers,
        },
        localAddress: options.localAddress,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * A browser-like client of the box's forms: keeps the cookies it is given, sends one `Host` and
 * the matching `Origin`, from one source address.
 */
export class FormClient {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly url: string,
    private readonly host: string,
    private readonly localAddress?: string,
  ) {}

  async send(path: string, form?: Record<string, string>): Promise<RawResponse> {
    const res = await rawRequest(this.url, {
      path,
      localAddress: this.localAddress,
      headers: {
        host: this.host,
        ...(form ? { origin: `http://${this.host}` } : {}),
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const cookie of [res.headers['set-cookie'] ?? []].flat()) {
      const [pair] = cookie.split(';');
      const [name, value] = pair.split('=');
      if (value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** The `_csrf` of the form on `path` (empty when the page has none). */
  async formToken(path: string): Promise<string> {
    return /name="_csrf" value="([^"]+)"/.exec((await this.send(path)).body)?.[1] ?? '';
  }
}
