import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

/** The dashboard's own assets folder: next to this file, or (from dist/) in the source tree. */
function ownAssets(): string {
  const here = join(import.meta.dirname, 'assets');
  const candidates = [here, join(import.meta.dirname, '..', '..', '..', 'box', 'web', 'assets')];
  return candidates.find((d) => existsSync(join(d, 'dashboard.css'))) ?? here;
}

/**
 * `/assets/*`: the dashboard's CSS and script and uPlot (from node_modules), all served by the box
 * itself (no CDN). Files are read once at start and cached by the browser for an hour.
 */
export function assetRoutes(): Hono {
  const own = ownAssets();
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot'));
  const files = new Map<string, string>([
    ['dashboard.css', join(own, 'dashboard.css')],
    ['dashboard.js', join(own, 'dashboard.js')],
    ['uPlot.iife.min.js', join(uplot, 'uPlot.iife.min.js')],
    ['uPlot.min.css', join(uplot, 'uPlot.min.css')],
  ]);
  const cache = new Map<string, Buffer>();
  const app = new Hono();
  app.get('/:name', (c) => {
    const name = c.req.param('name');
    const path = files.get(name);
    if (!path) return c.text(`no asset "${name}"`, 404);
    let body = cache.get(name);
    if (!body) {
      body = readFileSync(path);
      cache.set(name, body);
    }
    return c.body(new Uint8Array(body), 200, {
      'content-type': TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream',
      'cache-control': 'private, max-age=3600',
    });
  });
  return app;
}
