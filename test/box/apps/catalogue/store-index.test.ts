import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStoreIndex, STORE_RELS } from '../../../../box/apps/catalogue/store-index.ts';
import { compareVersions, pickEntry } from '../../../../box/apps/catalogue/store-versions.ts';
import { DataboxError } from '../../../../box/errors.ts';
import { REPO_ROOT } from '../../../helpers/box-process.ts';
import { storeIndex } from './store-server.ts';

const SHA = 'a'.repeat(64);
const BASE = new URL('https://apps.example.org/databox/index.json');

function problems(text: string, base: URL | undefined): Array<{ path: string; message: string }> {
  try {
    parseStoreIndex(text, 'index.json', base);
  } catch (error) {
    expect(error).toBeInstanceOf(DataboxError);
    return (error as DataboxError).details;
  }
  throw new Error('the index was accepted');
}

describe('parseStoreIndex', () => {
  it('reads the example index of docs/app-developers.md', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'app-developers.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Catalogue: publishing an app store index'));
    const json = section.slice(
      section.indexOf('```json') + 7,
      section.indexOf('```', section.indexOf('```json') + 7),
    );
    const index = parseStoreIndex(json, 'docs example', BASE);
    expect(index.description).toBe('Energy apps from the Example co-op');
    expect(index.entries).toEqual([
      expect.objectContaining({
        appId: 'energy-insights',
        version: '1.0.0',
        publisherKey: 'SHA256:q0c2cwGfLyw9tEdkqbYKzC0o4pRqSHCz1uT0R+7m2Gk',
        url: 'https://apps.example.org/databox/energy-insights-1.0.0.tgz',
        runtime: 'isolate',
      }),
    ]);
  });

  it('resolves relative hrefs against the index URL, and needs absolute ones in a file', () => {
    const text = storeIndex([{ href: '../bundles/x.tgz', sha256: SHA }]);
    expect(parseStoreIndex(text, 'i', BASE).entries[0].url).toBe('https://apps.example.org/bundles/x.tgz');
    expect(problems(text, undefined)).toEqual([
      { path: 'items[0].href', message: 'an index read from a file needs absolute bundle URLs' },
    ]);
  });

  it('lists every problem of every item with its path, and accepts none of them', () => {
    const index = JSON.parse(
      storeIndex([
        { href: 'ftp://apps.example.org/a.tgz', version: '0.1.0', sha256: SHA },
        { href: 'b.tgz', appId: 'Bad_Id', version: 'one', sha256: 'xyz' },
        { href: 'c.tgz', sha256: SHA },
        { href: 'c2.tgz', sha256: SHA },
      ]),
    );
    index.items[2]['item-metadata'].push({ rel: STORE_RELS.version, val: '2.0.0' });
    expect(problems(JSON.stringify(index), BASE)).toEqual([
      { path: 'items[0].href', message: 'scheme "ftp:" is not http: or https:' },
      { path: 'items[1].item-metadata', message: 'app id "Bad_Id" is not a valid app id' },
      { path: 'items[1].item-metadata', message: 'version "one" is not a semantic version' },
      { path: 'items[1].item-metadata', message: `${STORE_RELS.sha256} must be 64 hex digits` },
      { path: 'items[2].item-metadata', message: `${STORE_RELS.version} appears 2 times` },
      { path: 'items[3].item-metadata', message: 'energy-insights 1.0.0 is listed twice' },
    ]);
  });

  it('refuses what is not a HyperCat catalogue, naming what is missing', () => {
    expect(problems('{"items": []}', BASE)[0]).toMatchObject({ path: 'catalogue-metadata' });
    expect(problems(JSON.stringify({ 'catalogue-metadata': [], items: [] }), BASE)).toEqual([
      { path: 'catalogue-metadata', message: `${STORE_RELS.contentType} is missing` },
      { path: 'catalogue-metadata', message: `${STORE_RELS.description} is missing` },
    ]);
    expect(() => parseStoreIndex('<html>', 'index.json', BASE)).toThrow(/index.json is not JSON/);
  });
});

describe('store versions', () => {
  it('orders semantic versions and picks the highest unless one is named', () => {
    expect(['1.10.0', '1.2.0', '1.2.0-rc.1', '0.9.9'].sort(compareVersions)).toEqual([
      '0.9.9',
      '1.2.0-rc.1',
      '1.2.0',
      '1.10.0',
    ]);
    const entries = ['1.2.0', '1.10.0'].map((version) => ({
      ...parseStoreIndex(storeIndex([{ href: 'x.tgz', sha256: SHA }]), 'i', BASE).entries[0],
      version,
    }));
    expect(pickEntry(entries, 'energy-insights', undefined, 's').version).toBe('1.10.0');
    expect(() => pickEntry(entries, 'energy-insights', '3.0.0', 's')).toThrow(
      'store "s" lists energy-insights 1.2.0, 1.10.0, not 3.0.0',
    );
    expect(() => pickEntry(entries, 'other', undefined, 's')).toThrow('store "s" lists no app "other"');
  });
});
