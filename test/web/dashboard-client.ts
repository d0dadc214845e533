import { Store } from '../../box/store/store.ts';
import { PasswordStore } from '../../box/web/auth/password.ts';
import { createWebApp } from '../../box/web/web-app.ts';
import type { WebDeps } from '../../box/web/web-env.ts';

export const PASSWORD = 'a long enough secret';
export const ORIGIN = 'http://box.test';

/** A dashboard on an in-memory store with a clock the test moves; `parts` adds parts built on that store (an app manager). */
export async function dashboard(parts: (store: Store) => Omit<WebDeps, 'store'> = () => ({})) {
  let now = Date.UTC(2024, 2, 1);
  const store = Store.open(':memory:', { clock: () => now });
  await new PasswordStore(store).set(PASSWORD);
  const app = createWebApp({ store, ...parts(store) });
  const jar = new Map<string, string>();
  const request = async (
    path: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = {
      cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      ...init.headers,
    };
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await app.request(`${ORIGIN}${path}`, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      body,
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, value] = pair.split('=');
      if (value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };
  const formToken = async (path: string) => {
    const html = await (await request(path)).text();
    return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  };
  const signIn = async (password = PASSWORD) =>
    request('/signin', {
      form: { _csrf: await formToken('/signin'), password },
      headers: { origin: ORIGIN },
    });
  return { store, request, formToken, signIn, jar, advance: (ms: number) => (now += ms) };
}
