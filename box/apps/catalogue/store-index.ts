import { z } from 'zod';
import { APP_ID_PATTERN } from '../../../apps-sdk/src/manifest.ts';
import { BadRequestError, type ErrorDetail } from '../../errors.ts';

/** The relations of an app-store index: HyperCat's own, and the `urn:X-databox:rels:*` of the box's catalogue. */
export const STORE_RELS = {
  contentType: 'urn:X-hypercat:rels:isContentType',
  description: 'urn:X-hypercat:rels:hasDescription:en',
  appId: 'urn:X-databox:rels:hasAppId',
  version: 'urn:X-databox:rels:hasVersion',
  name: 'urn:X-databox:rels:hasName',
  publisher: 'urn:X-databox:rels:hasPublisher',
  publisherKey: 'urn:X-databox:rels:hasPublisherKey',
  sha256: 'urn:X-databox:rels:hasBundleSha256',
  runtime: 'urn:X-databox:rels:hasRuntime',
} as const;

export const HYPERCAT_TYPE = 'application/vnd.hypercat.catalogue+json';
const BUNDLE_TYPES = ['application/gzip', 'application/x-gzip', 'application/vnd.databox.app+gzip'];
/** Entries an index may list (every version of every app). */
export const MAX_ENTRIES = 1000;
const SEMVER = /^\d{1,9}\.\d{1,9}\.\d{1,9}(?:-[0-9A-Za-z.-]{1,64})?(?:\+[0-9A-Za-z.-]{1,64})?$/;
const KEY_FINGERPRINT = /^[A-Za-z0-9:+/=_-]{8,128}$/;

/** One version of one app in a store's index: what the catalogue lists and what install fetches. */
export interface CatalogueEntry {
  appId: string;
  version: string;
  name: string;
  description: string;
  publisher: string | null;
  /** The publisher's signing-key fingerprint as the index states it (shown; the bundle's signature is checked at install). */
  publisherKey: string | null;
  /** SHA-256 (hex) the fetched bundle must have before it is installed. */
  sha256: string;
  /** Absolute bundle URL (a relative `href` resolved against the index URL). */
  url: string;
  runtime: 'isolate' | 'container' | null;
}

export interface StoreIndex {
  description: string;
  entries: CatalogueEntry[];
}

const pair = z.object({ rel: z.string().max(256), val: z.string().max(4096) });
const hypercat = z.object({
  'catalogue-metadata': z.array(pair).max(100),
  items: z.array(z.object({ href: z.string().max(2048), 'item-metadata': z.array(pair).max(100) })),
});

/** The single value of `rel` in `pairs`, recording a problem when it repeats (or is missing and required). */
function single(
  pairs: Array<{ rel: string; val: string }>,
  rel: string,
  path: string,
  problems: ErrorDetail[],
  required: boolean,
): string | undefined {
  const values = pairs.filter((p) => p.rel === rel).map((p) => p.val);
  if (values.length > 1) problems.push({ path, message: `${rel} appears ${values.length} times` });
  if (values.length === 0 && required) problems.push({ path, message: `${rel} is missing` });
  return values[0];
}

/**
 * Reads an app-store index: HyperCat 3.00 JSON whose `catalogue-metadata` says it is a HyperCat
 * catalogue and whose every item is one version of one app (`href` = its .tgz bundle). `base` is
 * the index URL (relative hrefs resolve against it); an index read from a file has none, so its
 * hrefs must be absolute. Unknown relations are ignored, as HyperCat allows. Every problem is
 * listed as `items[N].item-metadata: message`; nothing is returned unless all entries are valid.
 *
 * @example
 * const index = parseStoreIndex(text, 'https://apps.example/index.json', new URL('https://apps.example/index.json'));
 * index.entries[0]; // { appId: 'energy-insights', version: '1.2.0', sha256: '…', url: 'https://apps.example/energy-insights-1.2.0.tgz', … }
 */
export function parseStoreIndex(text: string, where: string, base: URL | undefined): StoreIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`${where} is not JSON: ${(error as Error).message}`);
  }
  const parsed = hypercat.safeParse(json);
  if (!parsed.success)
    throw new BadRequestError(`${where} is not a HyperCat catalogue`, {
      details: parsed.error.issues.map((i) => ({ path: i.path.join('.') || '.', message: i.message })),
    });
  const cat = parsed.data;
  const problems: ErrorDetail[] = [];
  const type = single(
    cat['catalogue-metadata'],
    STORE_RELS.contentType,
    'catalogue-metadata',
    problems,
    true,
  );
  if (type !== undefined && type !== HYPERCAT_TYPE)
    problems.push({
      path: 'catalogue-metadata',
      message: `${STORE_RELS.contentType} must be ${HYPERCAT_TYPE}`,
    });
  const description =
    single(cat['catalogue-metadata'], STORE_RELS.description, 'catalogue-metadata', problems, true) ?? '';
  if (cat.items.length > MAX_ENTRIES)
    problems.push({ path: 'items', message: `lists ${cat.items.length} entries; at most ${MAX_ENTRIES}` });
  const entries: CatalogueEntry[] = [];
  const seen = new Set<string>();
  cat.items.slice(0, MAX_ENTRIES).forEach((item, i) => {
    const path = `items[${i}]`;
    const before = problems.length;
    const get = (rel: string, required = false) =>
      single(item['item-metadata'], rel, `${path}.item-metadata`, problems, required);
    const appId = get(STORE_RELS.appId, true) ?? '';
    const version = get(STORE_RELS.version, true) ?? '';
    const sha256 = (get(STORE_RELS.sha256, true) ?? '').toLowerCase();
    const itemDescription = get(STORE_RELS.description, true) ?? '';
    const itemType = get(STORE_RELS.contentType);
    const publisherKey = get(STORE_RELS.publisherKey) ?? null;
    const runtime = get(STORE_RELS.runtime) ?? null;
    const name = get(STORE_RELS.name) ?? appId;
    const publisher = get(STORE_RELS.publisher) ?? null;
    const bad = (message: string) => problems.push({ path: `${path}.item-metadata`, message });
    if (appId && !APP_ID_PATTERN.test(appId)) bad(`app id "${appId}" is not a valid app id`);
    if (version && !SEMVER.test(version)) bad(`version "${version}" is not a semantic version`);
    if (sha256 && !/^[0-9a-f]{64}$/.test(sha256)) bad(`${STORE_RELS.sha256} must be 64 hex digits`);
    if (itemType !== undefined && !BUNDLE_TYPES.includes(itemType))
      bad(`${STORE_RELS.contentType} "${itemType}" is not a gzip bundle (${BUNDLE_TYPES.join(', ')})`);
    if (publisherKey !== null && !KEY_FINGERPRINT.test(publisherKey))
      bad(`${STORE_RELS.publisherKey} is not a key fingerprint (8–128 of A-Z a-z 0-9 : + / = _ -)`);
    if (runtime !== null && runtime !== 'isolate' && runtime !== 'container')
      bad(`${STORE_RELS.runtime} must be isolate or container`);
    let url: URL | undefined;
    try {
      url = new URL(item.href, base);
    } catch {
      problems.push({
        path: `${path}.href`,
        message: base
          ? `"${item.href}" is not a URL`
          : 'an index read from a file needs absolute bundle URLs',
      });
    }
    if (url && url.protocol !== 'https:' && url.protocol !== 'http:')
      problems.push({ path: `${path}.href`, message: `scheme "${url.protocol}" is not http: or https:` });
    const key = `${appId}@${version}`;
    if (seen.has(key)) bad(`${appId} ${version} is listed twice`);
    seen.add(key);
    if (problems.length > before || !url) return;
    entries.push({
      appId,
      version,
      name: name.slice(0, 100),
      description: itemDescription.slice(0, 1000),
      publisher: publisher?.slice(0, 100) ?? null,
      publisherKey,
      sha256,
      url: url.href,
      runtime: runtime as CatalogueEntry['runtime'],
    });
  });
  if (problems.length)
    throw new BadRequestError(`${where} is not a valid app-store index`, { details: problems });
  return { description: description.slice(0, 1000), entries };
}
