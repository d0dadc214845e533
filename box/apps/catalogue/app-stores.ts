import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { BadRequestError, ConflictError, NotFoundError } from '../../errors.ts';
import { MAX_KV_VALUE_BYTES } from '../../store/kv-store.ts';
import type { Store } from '../../store/store.ts';
import { BundleCache } from './bundle-cache.ts';
import { fetchIndex, readIndexFile } from './index-source.ts';
import { fetchFromStore, type StoreClientOptions, StoreFetchError } from './store-fetch.ts';
import type { CatalogueEntry } from './store-index.ts';
import { pickEntry } from './store-versions.ts';

/** A store the householder added: where its index came from and what it listed then. */
export interface AddedStore {
  id: string;
  /** The index URL (fetched again by `refresh`), or null for an index read from a file. */
  url: string | null;
  /** The file the index was read from, or null. */
  file: string | null;
  /** Origins bundles may be fetched from: the index URL's, or those a file's entries named when it was added. */
  approvedOrigins: string[];
  /** Added as on the home network: private addresses allowed (loopback only in dev mode, as for exports). */
  homeNetwork: boolean;
  description: string;
  entries: CatalogueEntry[];
  addedAt: number;
  refreshedAt: number;
}

export interface AppStoresOptions {
  store: Store;
  /** The box's data folder: fetched bundles wait in `<home>/app-stores/bundles` for consent. */
  home: string;
  client: StoreClientOptions;
  /** Largest index read (default 256 KiB: it is kept in the box's kv). */
  maxIndexBytes?: number;
  /** Largest bundle fetched (default 64 MiB). */
  maxBundleBytes?: number;
}

const KV = 'app-stores';
const STORE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A store id from a host name or file name: lower-case, safe characters only. */
/** Refuses a store whose entries, as kept, would not fit one kv value (a clear refusal, not the kv's own). */
function fitsKv(added: AddedStore): void {
  const bytes = Buffer.byteLength(JSON.stringify(added));
  if (bytes > MAX_KV_VALUE_BYTES)
    throw new BadRequestError(
      `refused: store "${added.id}" lists ${added.entries.length} entries, ${bytes} bytes as kept; the box keeps at most ${MAX_KV_VALUE_BYTES} bytes per store`,
    );
}

function idFrom(text: string): string {
  const id = text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64);
  return id || 'store';
}

/**
 * The householder's app stores (`databox store`, the dashboard's Catalogue): add one by index URL
 * or file, list what each offers, and fetch a bundle for install. Every fetch goes through
 * {@link fetchFromStore} (the export gateway's SSRF-safe client, approved origins only); a bundle
 * whose SHA-256 differs from the index is refused before anything reads it. Adding, removing and
 * fetching are audited (`appstore.add`, `appstore.remove`, `appstore.fetch`, `appstore.refuse`).
 *
 * @example
 * const stores = new AppStores({ store, home, client: { devMode: false, connectTimeoutMs: 5000, totalTimeoutMs: 15000 } });
 * await stores.add('https://apps.example/index.json');
 * const { path } = await stores.fetchBundle('energy-insights');
 * apps.install(path, choices);
 */
export class AppStores {
  readonly #options: AppStoresOptions;
  readonly #cache: BundleCache;

  constructor(options: AppStoresOptions) {
    this.#options = options;
    this.#cache = new BundleCache(options.home);
  }

  get #maxIndex(): number {
    return this.#options.maxIndexBytes ?? 256 * 1024;
  }

  list(): AddedStore[] {
    return this.#options.store.kv.list(KV).map((e) => e.value as AddedStore);
  }

  get(id: string): AddedStore {
    const found = this.#options.store.kv.get(KV, id) as AddedStore | undefined;
    if (!found) throw new NotFoundError(`no store "${id}" was added (see "databox store list")`);
    return found;
  }

  /** Adds a store by its index URL (http: or https:) or an index file on this box. */
  async add(source: string, options: { id?: string; homeNetwork?: boolean } = {}): Promise<AddedStore> {
    const isUrl = /^[a-z][a-z0-9+.-]*:/i.test(source) && !/^[a-z]:[\\/]/i.test(source);
    const read = isUrl
      ? await fetchIndex(source, options.homeNetwork ?? false, this.#maxIndex, this.#options.client)
      : readIndexFile(source, this.#maxIndex, this.#options.client);
    const id =
      options.id ?? idFrom(isUrl ? new URL(source).hostname : basename(source).replace(/\.json$/, ''));
    if (!STORE_ID.test(id)) throw new BadRequestError(`store id "${id}": use 1–64 of a-z 0-9 . _ -`);
    const { store } = this.#options;
    const now = store.now();
    const added: AddedStore = {
      id,
      url: isUrl ? source : null,
      file: isUrl ? null : resolve(source),
      approvedOrigins: read.origins,
      homeNetwork: options.homeNetwork ?? false,
      description: read.index.description,
      entries: read.index.entries,
      addedAt: now,
      refreshedAt: now,
    };
    fitsKv(added);
    store.transaction(() => {
      if (store.kv.get(KV, id) !== undefined)
        throw new ConflictError(`a store "${id}" is already added (remove it first, or refresh it)`);
      store.kv.set(KV, id, added, now);
      store.audit.append({
        actor: 'user',
        action: 'appstore.add',
        subject: id,
        details: {
          source: isUrl ? 'url' : 'file',
          url: added.url,
          origins: added.approvedOrigins,
          homeNetwork: added.homeNetwork,
          entries: added.entries.length,
          indexSha256: read.sha256,
        },
      });
    });
    return added;
  }

  /** Fetches a URL store's index again (a file store is re-added instead). */
  async refresh(id: string): Promise<AddedStore> {
    const current = this.get(id);
    if (current.url === null)
      throw new BadRequestError(`store "${id}" was added from a file; remove it and add the new file`);
    const read = await fetchIndex(current.url, current.homeNetwork, this.#maxIndex, this.#options.client);
    const { store } = this.#options;
    const refreshed = {
      ...current,
      description: read.index.description,
      entries: read.index.entries,
      refreshedAt: store.now(),
    };
    fitsKv(refreshed);
    store.transaction(() => {
      store.kv.set(KV, id, refreshed, store.now());
      store.audit.append({
        actor: 'user',
        action: 'appstore.refresh',
        subject: id,
        details: { entries: refreshed.entries.length, indexSha256: read.sha256 },
      });
    });
    return refreshed;
  }

  remove(id: string): AddedStore {
    const { store } = this.#options;
    return store.transaction(() => {
      const current = this.get(id);
      store.kv.delete(KV, id);
      store.audit.append({
        actor: 'user',
        action: 'appstore.remove',
        subject: id,
        details: { url: current.url, entries: current.entries.length },
      });
      return current;
    });
  }

  /** Which store lists `appId` (the one named, else the first that lists it) and the version to install. */
  find(
    appId: string,
    options: { store?: string; version?: string } = {},
  ): { store: AddedStore; entry: CatalogueEntry } {
    const stores = options.store ? [this.get(options.store)] : this.list();
    const holder = stores.find((s) => s.entries.some((e) => e.appId === appId));
    if (!holder) throw new NotFoundError(`no added store lists an app "${appId}" (see "databox store list")`);
    return { store: holder, entry: pickEntry(holder.entries, appId, options.version, holder.id) };
  }

  /**
   * Fetches the bundle of `appId` from its store, checks its SHA-256 against the index and that
   * it holds that app and version, and returns the file to hand to the install (which then checks
   * everything it checks for any .tgz, signatures included). Refusals are audited by kind only.
   */
  async fetchBundle(
    appId: string,
    options: { store?: string; version?: string } = {},
  ): Promise<{ path: string; store: AddedStore; entry: CatalogueEntry; bytes: number }> {
    const { store: added, entry } = this.find(appId, options);
    const audit = this.#options.store.audit;
    const refuse = (check: string) =>
      audit.append({
        actor: 'user',
        action: 'appstore.refuse',
        subject: appId,
        details: { store: added.id, version: entry.version, check },
      });
    let body: Buffer;
    try {
      body = await fetchFromStore(
        {
          url: entry.url,
          what: `bundle of ${appId} ${entry.version}`,
          approvedOrigins: added.approvedOrigins,
          homeNetwork: added.homeNetwork,
          maxBytes: this.#options.maxBundleBytes ?? 64 * 1024 * 1024,
        },
        this.#options.client,
      );
    } catch (error) {
      if (error instanceof StoreFetchError) refuse(error.check);
      throw error;
    }
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (sha256 !== entry.sha256) {
      refuse('digest');
      throw new BadRequestError(
        `refused: the bundle of ${appId} ${entry.version} from store "${added.id}" has SHA-256 ${sha256}, but the index says ${entry.sha256}; nothing was installed`,
      );
    }
    const path = this.#cache.write(appId, entry.version, sha256, body);
    const mismatch = this.#cache.mismatch(path, entry);
    if (mismatch) {
      this.#cache.discard(path);
      refuse(/signed/.test(mismatch) ? 'publisher' : 'manifest');
      throw new BadRequestError(
        `refused: the bundle listed as ${appId} ${entry.version} ${mismatch}; nothing was installed`,
      );
    }
    audit.append({
      actor: 'user',
      action: 'appstore.fetch',
      subject: appId,
      details: { store: added.id, version: entry.version, sha256, bytes: body.length },
    });
    return { path, store: added, entry, bytes: body.length };
  }

  /** Removes a fetched bundle once it is installed (or declined). */
  discardBundle(path: string): void {
    this.#cache.discard(path);
  }
}
