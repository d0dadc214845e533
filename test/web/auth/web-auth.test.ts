import { describe, expect, it } from 'vitest';
import { Store } from '../../../box/store/store.ts';
import { PasswordStore } from '../../../box/web/auth/password.ts';
import { SESSION_IDLE_MS } from '../../../box/web/auth/sessions.ts';
import { createWebApp } from '../../../box/web/web-app.ts';
import { dashboard, ORIGIN, PASSWORD } from '../dashboard-client.ts';

describe('dashboard sign-in and sessions', () => {
  it('sends a visitor without a session to the sign-in page, keeping where they were going', async () => {
    const { request } = await dashboard();
    const res = await request('/data/meter.power?resolution=1h');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/signin?next=%2Fdata%2Fmeter.power%3Fresolution%3D1h');
  });

  it('signs in with the right password into an HttpOnly SameSite=Strict session; a wrong one is refused and audited', async () => {
    const { signIn, store, request, jar } = await dashboard();
    const wrong = await signIn('not the password');
    expect(wrong.status).toBe(401);
    expect(jar.has('databox_session')).toBe(false);
    const ok = await signIn();
    expect(ok.status).toBe(303);
    const cookie = ok.headers.getSetCookie().find((c) => c.startsWith('databox_session='));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain('Secure'); // plain http on loopback
    expect((await request('/')).status).toBe(200);
    const attempts = store.audit.query({ action: 'user.signin', order: 'asc' });
    expect(attempts.map((e) => e.details.ok)).toEqual([false, true]);
    // the stored session key is a hash, not the cookie value
    const keys = store.kv.list('web:sessions').map((e) => e.key);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe(jar.get('databox_session'));
  });

  it('stops a client after 5 failed attempts, even with the right password', async () => {
    const { signIn } = await dashboard();
    for (let i = 0; i < 5; i++) expect((await signIn('guess')).status).toBe(401);
    const blocked = await signIn();
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses a sign-in form posted from another origin', async () => {
    const { request, formToken } = await dashboard();
    const token = await formToken('/signin');
    const res = await request('/signin', {
      form: { _csrf: token, password: PASSWORD },
      headers: { origin: 'http://evil.test' },
    });
    expect(res.status).toBe(403);
  });

  it('refuses POSTs without the session token, without Origin or Referer, or from elsewhere', async () => {
    const { signIn, request, formToken, store } = await dashboard();
    await signIn();
    store.createDatasource(
      { id: 'meter.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
      'user',
    );
    const token = await formToken('/data/meter.power');
    const form = { _csrf: token, raw: 'P30D' };
    expect(
      (await request('/data/meter.power/retention', { form: { raw: 'P30D' }, headers: { origin: ORIGIN } }))
        .status,
    ).toBe(403);
    expect(
      (
        await request('/data/meter.power/retention', {
          form: { _csrf: 'x'.repeat(43), raw: 'P30D' },
          headers: { origin: ORIGIN },
        })
      ).status,
    ).toBe(403);
    expect((await request('/data/meter.power/retention', { form })).status).toBe(403);
    expect(
      (await request('/data/meter.power/retention', { form, headers: { origin: 'http://evil.test' } }))
        .status,
    ).toBe(403);
    expect(store.getDatasource('meter.power').retention.raw).toBeNull();
    const ok = await request('/data/meter.power/retention', {
      form,
      headers: { referer: `${ORIGIN}/data/meter.power` },
    });
    expect(ok.status).toBe(303);
    expect(store.getDatasource('meter.power').retention.raw).toBe('P30D');
  });

  it('ends a session after an idle hour; a POST with it is refused', async () => {
    const { signIn, request, advance, formToken } = await dashboard();
    await signIn();
    const token = await formToken('/');
    advance(SESSION_IDLE_MS - 60_000);
    expect((await request('/')).status).toBe(200); // still live, and the visit extends it
    advance(SESSION_IDLE_MS - 60_000);
    expect((await request('/')).status).toBe(200);
    advance(SESSION_IDLE_MS + 1);
    const res = await request('/');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('expired=1');
    const post = await request('/signout', { form: { _csrf: token }, headers: { origin: ORIGIN } });
    expect(post.status).toBe(403);
  });

  it('leaves the bearer-token API paths alone', async () => {
    const { request } = await dashboard();
    // not mounted here: falls through to a 404 instead of a sign-in redirect
    expect((await request('/api/v1/status')).status).toBe(404);
  });

  it('shows the first-run page only on loopback', async () => {
    const store = Store.open(':memory:');
    const app = createWebApp({ store });
    const signin = await app.request(`${ORIGIN}/signin`);
    expect(signin.headers.get('location')).toBe('/setup');
    // an in-process request has no loopback address
    expect((await app.request(`${ORIGIN}/setup`)).status).toBe(403);
  });
});

describe('PasswordStore', () => {
  it('keeps an scrypt hash with a random salt and checks against it', async () => {
    const store = Store.open(':memory:');
    const passwords = new PasswordStore(store);
    expect(passwords.isSet()).toBe(false);
    await expect(passwords.set('short')).rejects.toThrow('at least 10 characters');
    await passwords.set(PASSWORD);
    const stored = store.kv.get('web', 'password') as Record<string, unknown>;
    expect(stored).toMatchObject({ algorithm: 'scrypt', N: 32_768, r: 8, p: 1 });
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);
    expect(Buffer.from(stored.salt as string, 'base64')).toHaveLength(16);
    expect(await passwords.verify(PASSWORD)).toBe(true);
    expect(await passwords.verify(`${PASSWORD}!`)).toBe(false);
    expect(store.audit.query({ action: 'user.password.set' })).toHaveLength(1);
  });
});
