import { NotFoundError } from '../../errors.ts';
import type { CatalogueEntry } from './store-index.ts';

/** Semantic-version order: numbers compared as numbers, a release after its pre-releases. */
export function compareVersions(a: string, b: string): number {
  const [coreA, preA = ''] = a.split('+')[0].split(/-(.*)/s);
  const [coreB, preB = ''] = b.split('+')[0].split(/-(.*)/s);
  const na = coreA.split('.').map(Number);
  const nb = coreB.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (na[i] !== nb[i]) return na[i] - nb[i];
  if (preA === preB) return 0;
  if (preA === '') return 1;
  if (preB === '') return -1;
  return preA < preB ? -1 : 1;
}

/**
 * The entry of `appId` to install: the given version, or the highest one the index lists.
 *
 * @example
 * pickEntry(store.entries, 'energy-insights'); // its newest version
 */
export function pickEntry(
  entries: CatalogueEntry[],
  appId: string,
  version: string | undefined,
  storeId: string,
): CatalogueEntry {
  const versions = entries.filter((e) => e.appId === appId);
  if (versions.length === 0) throw new NotFoundError(`store "${storeId}" lists no app "${appId}"`);
  if (version === undefined) return versions.sort((x, y) => compareVersions(y.version, x.version))[0];
  const entry = versions.find((e) => e.version === version);
  if (!entry)
    throw new NotFoundError(
      `store "${storeId}" lists ${appId} ${versions.map((e) => e.version).join(', ')}, not ${version}`,
    );
  return entry;
}
