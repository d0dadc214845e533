/** The audit actions of app stores (`databox store`, the dashboard's Catalogue; see `action-schemas.ts`). */
import { type ActionSchema, count, hex64, type JsonSchema, nullable, shape, text } from './schema-parts.ts';

export function appStoreActions(): Record<string, ActionSchema> {
  const action = (subject: string, summary: string, details: JsonSchema): ActionSchema => ({
    actors: ['user'],
    subject,
    summary,
    details,
  });
  return {
    'appstore.add': action(
      'store id',
      'an app store added by index URL or file: the origins its bundles may come from, the SHA-256 of the index',
      shape({
        source: { enum: ['url', 'file'] },
        url: nullable(text),
        origins: { type: 'array', items: text, maxItems: 20 },
        homeNetwork: { type: 'boolean' },
        entries: count,
        indexSha256: hex64,
      }),
    ),
    'appstore.refresh': action(
      'store id',
      "a URL store's index read again: the SHA-256 of what it now lists",
      shape({ entries: count, indexSha256: hex64 }),
    ),
    'appstore.remove': action(
      'store id',
      'an app store removed (installed apps stay)',
      shape({ url: nullable(text), entries: count }),
    ),
    'appstore.fetch': action(
      'app id',
      "a bundle fetched from a store for install, its SHA-256 equal to the index's (`app.install` follows on consent)",
      shape({ store: text, version: text, sha256: hex64, bytes: count }),
    ),
    'appstore.refuse': action(
      'app id',
      'a bundle fetch refused: which check (host, url, address, redirect, status, size, network, digest, manifest, publisher)',
      shape({ store: text, version: text, check: text }),
    ),
  };
}
