import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIsolateApp } from '../../../../apps-sdk/src/build-app.ts';
import { packApp } from '../../../../box/apps/bundle/pack-app.ts';
import { STORE_RELS } from '../../../../box/apps/catalogue/store-index.ts';
import { REPO_ROOT } from '../../../helpers/box-process.ts';

export const EXAMPLE = join(REPO_ROOT, 'examples', 'energy-insights');

/** A real HTTP app store on 127.0.0.1: serves what `routes` says and records every request path. */
export interface StoreServer {
  origin: string;
  url(path: string): string;
  /** Paths asked for, in order. */
  requests: string[];
  routes: Map<string, (req: IncomingMessage, res: ServerResponse) => void>;
  close(): Promise<void>;
}

export async function startStoreServer(): Promise<StoreServer> {
  const requests: string[] = [];
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    // the box only ever reads from a store: anything but a bodiless GET is a test failure
    if (req.method !== 'GET' || req.headers['content-length'] || req.headers['transfer-encoding'])
      return void res.writeHead(405).end('GET only');
    const route = routes.get(req.url ?? '');
    if (route) route(req, res);
    else res.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    requests,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves `body` with `type` at `path`. */
export function serve(
  server: StoreServer,
  path: string,
  body: string | Buffer,
  type = 'application/json',
): void {
  server.routes.set(path, (_req, res) => res.writeHead(200, { 'content-type': type }).end(body));
}

/** A bundle file with its bytes, SHA-256 and (when signed) the publisher key's fingerprint. */
export interface TestBundle {
  file: string;
  bytes: Buffer;
  sha256: string;
  fingerprint: string | null;
}

function bundleOf(file: string, fingerprint: string | null): TestBundle {
  const bytes = readFileSync(file);
  return { file, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), fingerprint };
}

/**
 * The energy-insights example packed and signed as its developer would (`databox app pack`, with
 * a developer key made in `dir`), and the same app as a plain unsigned `tar -czf` of the manifest
 * and dist/ (as the install tests make archives).
 */
export async function exampleBundles(dir: string): Promise<{ signed: TestBundle; unsigned: TestBundle }> {
  await buildIsolateApp(EXAMPLE);
  const out = join(dir, 'energy-insights-1.0.0.tgz');
  const packed = await packApp(EXAMPLE, { keyFile: join(dir, 'developer-key.pem'), out });
  const plain = join(dir, 'unsigned-energy-insights-1.0.0.tgz');
  execFileSync('tar', ['-czf', plain, '-C', EXAMPLE, 'databox-app.json', 'dist'], { stdio: 'pipe' });
  return { signed: bundleOf(out, packed.publisher.fingerprint), unsigned: bundleOf(plain, null) };
}

/** A fresh temp folder for bundles and keys. */
export function bundleDir(): string {
  return mkdtempSync(join(tmpdir(), 'databox-bundle-'));
}

/** A HyperCat app-store index listing `items` (each an href, an app id, a version and a digest). */
export function storeIndex(
  items: Array<{
    href: string;
    appId?: string;
    version?: string;
    sha256: string;
    /** The app's name and description as the index states them (hostile ones in the page tests). */
    name?: string;
    description?: string;
    /** The publisher key fingerprint the index states (none when absent). */
    publisherKey?: string | null;
  }>,
): string {
  return JSON.stringify({
    'catalogue-metadata': [
      { rel: STORE_RELS.contentType, val: 'application/vnd.hypercat.catalogue+json' },
      { rel: STORE_RELS.description, val: 'Test store' },
    ],
    items: items.map((i) => ({
      href: i.href,
      'item-metadata': [
        { rel: STORE_RELS.description, val: i.description ?? 'Daily electricity use and a tariff check' },
        { rel: STORE_RELS.contentType, val: 'application/gzip' },
        { rel: STORE_RELS.appId, val: i.appId ?? 'energy-insights' },
        { rel: STORE_RELS.version, val: i.version ?? '1.0.0' },
        { rel: STORE_RELS.name, val: i.name ?? 'Energy insights' },
        { rel: STORE_RELS.publisher, val: 'Databox examples' },
        ...(i.publisherKey ? [{ rel: STORE_RELS.publisherKey, val: i.publisherKey }] : []),
        { rel: STORE_RELS.sha256, val: i.sha256 },
      ],
    })),
  });
}
