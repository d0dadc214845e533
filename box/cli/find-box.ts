import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readAdminToken } from '../config/admin-token.ts';
import { loadConfig } from '../config/load-config.ts';
import { type BoxPaths, boxPaths } from '../config/paths.ts';
import { BadRequestError, DataboxError, type ErrorDetail } from '../errors.ts';
import { readRuntimeFile } from '../runtime-file.ts';
import type { Store } from '../store/store.ts';
import { stringOption } from './command.ts';
import { openStore } from './open-store.ts';

/** Where a command looks for the box, and how it proves it may talk to it. */
export interface BoxLocation {
  paths: BoxPaths;
  /** The URL to try, if anything says where a box is. */
  url: string | undefined;
  /** Why that URL: "--url", "DATABOX_URL", the runtime file or the config file. */
  source: string;
  /** True when the user named the URL (--url or DATABOX_URL): not answering is then an error. */
  explicit: boolean;
  token: string;
  /** Set when the runtime file was left by a box that did not stop cleanly. */
  staleNote?: string;
}

/**
 * Finds the box for a command: `--url`, else `$DATABOX_URL`, else the runtime file a running box
 * writes in its data folder (`<home>/box.json`, so `--port`/`--host` need not be repeated), else
 * the config file's host and port. The admin token is `$DATABOX_TOKEN` or `<home>/admin-token`.
 *
 * @example
 * const where = locateBox(undefined, undefined);
 * if (where.url && (await boxAnswers(where.url))) console.log(`box at ${where.url}`);
 */
export function locateBox(
  home: string | undefined,
  urlFlag: string | undefined,
  env = process.env,
): BoxLocation {
  const paths = boxPaths(home, env);
  const token = env.DATABOX_TOKEN ?? readAdminToken(paths.adminToken) ?? '';
  const base = { paths, token };
  if (urlFlag) return { ...base, url: trimUrl(urlFlag), source: '--url', explicit: true };
  if (env.DATABOX_URL)
    return { ...base, url: trimUrl(env.DATABOX_URL), source: 'DATABOX_URL', explicit: true };
  const found = readRuntimeFile(paths.runtime);
  if (found.state === 'running')
    return { ...base, url: found.runtime.url, source: paths.runtime, explicit: false };
  const staleNote = found.state === 'stale' ? found.reason : undefined;
  if (existsSync(paths.config)) {
    const { config } = loadConfig(paths.config);
    const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
    const wildcard = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;
    return {
      ...base,
      url: `http://${wildcard}:${config.http.port}`,
      source: paths.config,
      explicit: false,
      staleNote,
    };
  }
  return { ...base, url: undefined, source: 'nothing', explicit: false, staleNote };
}

function trimUrl(url: string): string {
  if (!/^https?:\/\/[^/]+/.test(url))
    throw new BadRequestError(`--url "${url}" is not a box URL like http://127.0.0.1:7330`);
  return url.replace(/\/+$/, '');
}

/** True when something answers the box's health check at `url` within 2 s. */
export function boxAnswers(url: string): Promise<boolean> {
  return fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.ok,
    () => false,
  );
}

/** A JSON call to the box's `/api/v1` with the admin token; HTTP errors become DataboxErrors. */
export function boxApi(where: BoxLocation) {
  return async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${where.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${where.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    if (response.status === 204) return undefined;
    const json = (await response.json().catch(() => ({}))) as {
      error?: { code: string; message: string; details: ErrorDetail[] };
    };
    if (response.status === 401)
      throw new DataboxError(
        401,
        'unauthorized',
        `the box at ${where.url} refused the admin token ${where.token ? 'from' : 'because there is none at'} ${process.env.DATABOX_TOKEN ? 'DATABOX_TOKEN' : where.paths.adminToken}: pass the --home of that box or set DATABOX_TOKEN`,
      );
    if (!response.ok) {
      const e = json.error;
      throw new DataboxError(
        response.status,
        e?.code ?? 'http_error',
        e?.message ?? `HTTP ${response.status}`,
        {
          details: e?.details ?? [],
        },
      );
    }
    return json;
  };
}

/**
 * Opens the store of the box a store command means. The store is safe to share with a running
 * daemon (SQLite WAL, IMMEDIATE write transactions, no cached state), so commands write it
 * directly; with `--url` (or `DATABOX_URL`) the box is asked where its data folder is, so a box
 * started with `--home` elsewhere is found too.
 */
export async function openBoxStore(
  values: Record<string, unknown>,
  options: { mustExist?: boolean } = {},
): Promise<Store> {
  const where = locateBox(stringOption(values, 'home'), stringOption(values, 'url'));
  if (!where.explicit || !where.url) return openStore(stringOption(values, 'home'), options);
  if (!(await boxAnswers(where.url)))
    throw new BadRequestError(`no box answers at ${where.url} (from ${where.source}); is it running?`);
  const status = (await boxApi(where)('GET', '/status')) as { home?: string };
  if (!status.home) throw new BadRequestError(`the box at ${where.url} did not say where its data is`);
  if (!existsSync(join(status.home, 'databox.db')))
    throw new BadRequestError(
      `the box at ${where.url} keeps its data in ${status.home}, which is not on this machine: run the command there`,
    );
  return openStore(status.home, options);
}
