import { Hono } from 'hono';
import { z } from 'zod';
import type { AppManager } from '../../apps/app-manager.ts';
import { appSettings, setAppSettings } from '../../apps/app-settings-store.ts';
import { BadRequestError, issuesToDetails } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import { jsonBody } from '../error-handler.ts';

const settingsBody = z.strictObject({
  /** New values by setting name; each is checked against the app's settings schema. */
  set: z.record(z.string(), z.unknown()).default({}),
  /** Settings to return to their default. */
  reset: z.array(z.string()).max(50).default([]),
});

/**
 * `/api/v1/apps/:id/settings`, as `databox app settings`: `GET` gives the values the app reads
 * (defaults with the householder's over them) and the manifest's settings schema; `PUT`
 * `{ set?, reset? }` changes some, validated against that schema (400 naming each setting that
 * is not declared or does not match, nothing stored then) and audited as `app.settings`.
 *
 * @example
 * // PUT /api/v1/apps/energy-insights/settings  { "set": { "tariff": 0.31 }, "reset": ["standingCharge"] }
 * // 200 { "settings": { "tariff": 0.31, "standingCharge": 0.45 } }
 */
export function appSettingsRoutes(apps: AppManager, store: Store): Hono {
  const app = new Hono();

  app.get('/:id/settings', (c) => {
    const id = c.req.param('id');
    const { manifest } = apps.get(id);
    return c.json({ settings: appSettings(store, id, manifest), schema: manifest.settings ?? null });
  });

  app.put('/:id/settings', async (c) => {
    const id = c.req.param('id');
    const { manifest } = apps.get(id);
    const parsed = settingsBody.safeParse(await jsonBody(c));
    if (!parsed.success)
      throw new BadRequestError('invalid body', { details: issuesToDetails(parsed.error.issues) });
    const { set, reset } = parsed.data;
    return c.json({ settings: await setAppSettings(store, id, manifest, set, reset) });
  });

  return app;
}
