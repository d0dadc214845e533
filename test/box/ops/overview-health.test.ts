import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boxPaths } from '../../../box/config/paths.ts';
import { runCheck } from '../../../box/ops/check.ts';
import { recordCheck } from '../../../box/ops/check-record.ts';
import { Store } from '../../../box/store/store.ts';
import { PasswordStore } from '../../../box/web/auth/password.ts';
import { createWebApp } from '../../../box/web/web-app.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();
const ORIGIN = 'http://box.test';

/** A signed-in dashboard on a real store file in a temp data folder. */
async function signedIn(store: Store) {
  await new PasswordStore(store).set('a long enough secret');
  const app = createWebApp({ store });
  const jar = new Map<string, string>();
  const request = async (path: string, form?: Record<string, string>) => {
    const res = await app.request(`${ORIGIN}${path}`, {
      method: form ? 'POST' : 'GET',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [name, value] = cookie.split(';')[0].split('=');
      jar.set(name, value);
    }
    return res;
  };
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await request('/signin')).text())?.[1] ?? '';
  await request('/signin', { _csrf: csrf, password: 'a long enough secret' });
  return request;
}

describe('Overview health card', () => {
  it('shows the last databox check (not only the audit chain) and free disk space', async () => {
    const home = tempDir();
    const store = Store.open(join(home, 'databox.db'));
    store.createDatasource(
      { id: 'power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    store.writeReadings(
      'power',
      Array.from({ length: 100 }, (_, i) => ({ t: Date.UTC(2025, 0, 1) + i * 60_000, v: i })),
      'user',
    );
    const request = await signedIn(store);
    expect(await (await request('/')).text()).toContain('not checked');

    recordCheck(store, runCheck(boxPaths(home)));
    let page = await (await request('/')).text();
    expect(page).toContain('in order');
    expect(page).toMatch(/free of .* on the disk of/);

    // something wrote behind the box's back: the next check finds it and the Overview says so
    store.db.prepare('UPDATE rollups_1h SET max = 9999').run();
    recordCheck(store, runCheck(boxPaths(home)));
    page = await (await request('/')).text();
    expect(page).toContain('Problems found');
    expect(page).toMatch(/rollups: 1 numeric datasources: rollups differ from their raw readings/);
    store.close();
  });
});
