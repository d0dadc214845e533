import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { BadRequestError } from '../../errors.ts';
import { fetchFromStore, originOf, type StoreClientOptions } from './store-fetch.ts';
import { parseStoreIndex, type StoreIndex } from './store-index.ts';

/** A store index as read, with the origins its bundles may come from and the SHA-256 of its bytes. */
export interface ReadIndex {
  index: StoreIndex;
  origins: string[];
  sha256: string;
}

/** Hosts a file index may name (each one approved by adding the file). */
const MAX_ORIGINS = 20;

function read(body: Buffer, where: string, base: URL | undefined) {
  const index = parseStoreIndex(body.toString('utf8'), where, base);
  return { index, sha256: createHash('sha256').update(body).digest('hex') };
}

/**
 * Fetches a store's index from its URL: http(s) only (checked before anything else, so a
 * `file:`, `ftp:` or `javascript:` URL is refused by name), then through {@link fetchFromStore}
 * with the index URL's own origin as the only approved one. Bundles may come from that origin.
 *
 * @example
 * const { index, origins } = await fetchIndex('https://apps.example/index.json', false, 262144, client);
 */
export async function fetchIndex(
  url: string,
  homeNetwork: boolean,
  maxBytes: number,
  client: StoreClientOptions,
): Promise<ReadIndex> {
  if (url.length > 256) throw new BadRequestError('refused: a store URL may be at most 256 characters');
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  if (scheme !== 'https:' && scheme !== 'http:')
    throw new BadRequestError(
      `refused: store URL scheme "${scheme}" is not https: (or http: to loopback in dev mode)`,
    );
  const origin = originOf(url, client);
  const body = await fetchFromStore(
    { url, what: 'index', approvedOrigins: [origin], homeNetwork, maxBytes },
    client,
  );
  return { ...read(body, url, new URL(url)), origins: [origin] };
}

/**
 * Reads a store's index from a file on the box (at most `maxBytes`). It has no origin of its
 * own: its hrefs must be absolute, and the hosts they name (at most 20, each a URL the export
 * gateway's policy accepts) are the ones approved by adding it.
 *
 * @example
 * const { origins } = readIndexFile('/media/usb/index.json', 262144, client); // ['https://apps.example']
 */
export function readIndexFile(file: string, maxBytes: number, client: { devMode: boolean }): ReadIndex {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new BadRequestError(`cannot read the index ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  if (size > maxBytes)
    throw new BadRequestError(`refused: the index ${file} is larger than ${maxBytes} bytes`);
  const body = Buffer.alloc(size);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, body, 0, size, 0);
  } finally {
    closeSync(fd);
  }
  const found = read(body, file, undefined);
  const origins = [...new Set(found.index.entries.map((e) => originOf(e.url, client)))];
  if (origins.length > MAX_ORIGINS)
    throw new BadRequestError(
      `refused: the index ${file} names ${origins.length} hosts; at most ${MAX_ORIGINS}`,
    );
  return { ...found, origins };
}
