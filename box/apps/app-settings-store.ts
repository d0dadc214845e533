import { settingsDefaults } from '../../apps-sdk/src/app-settings.ts';
import type { Manifest } from '../../apps-sdk/src/manifest.ts';
import { BadRequestError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { checkJsonSchema } from './json-schema-check.ts';

/** The kv namespace of an app's settings: the box's, not the app's (`kv.set` cannot reach it). */
export const settingsNamespace = (appId: string): string => `settings:${appId}`;

/**
 * The app's settings as it reads them (`settings.get`): the manifest's defaults with the
 * householder's stored values over them. A stored value for a setting the manifest no longer
 * declares (after an upgrade) is left out.
 *
 * @example
 * appSettings(store, 'energy-insights', manifest); // { tariff: 0.28, standingCharge: 0.45 }
 */
export function appSettings(store: Store, appId: string, manifest: Manifest): Record<string, unknown> {
  const values = settingsDefaults(manifest.settings);
  for (const { key, value } of store.kv.list(settingsNamespace(appId)))
    if (Object.hasOwn(values, key)) values[key] = value;
  return values;
}

/**
 * Sets (or, with `null` in `reset`, returns to the default) some of an app's settings, checked
 * against the manifest's settings schema (in a worker, with a time limit: the schema is the
 * app's); audited as `app.settings` by `user` with the names changed, never the values.
 *
 * @example
 * await setAppSettings(store, 'energy-insights', manifest, { tariff: 0.31 }, []);
 * @throws BadRequestError naming each setting that is not declared or does not match the schema.
 */
export async function setAppSettings(
  store: Store,
  appId: string,
  manifest: Manifest,
  changes: Record<string, unknown>,
  reset: string[],
): Promise<Record<string, unknown>> {
  const declared = Object.keys(settingsDefaults(manifest.settings));
  const unknown = [...Object.keys(changes), ...reset].filter((k) => !declared.includes(k));
  if (unknown.length > 0)
    throw new BadRequestError(
      `app "${appId}" has no setting ${unknown.map((k) => `"${k}"`).join(', ')} (its settings: ${declared.join(', ') || 'none'})`,
    );
  const next = { ...appSettings(store, appId, manifest), ...changes };
  for (const k of reset) next[k] = settingsDefaults(manifest.settings)[k];
  const problems = await checkJsonSchema(manifest.settings ?? {}, next, 'settings');
  if (problems.length > 0)
    throw new BadRequestError(
      `the settings do not match the app's schema: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      { details: problems },
    );
  store.transaction(() => {
    const ns = settingsNamespace(appId);
    for (const [key, value] of Object.entries(changes)) store.kv.set(ns, key, value, store.now());
    for (const key of reset) store.kv.delete(ns, key);
    store.audit.append({
      actor: 'user',
      action: 'app.settings',
      subject: appId,
      details: { set: Object.keys(changes).sort(), reset: [...reset].sort() },
    });
  });
  return next;
}
