import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppDevLoop } from '../../../box/apps/app-dev-loop.ts';
import { scaffoldApp } from '../../../box/apps/app-scaffold.ts';
import { IsolateRuntime } from '../../../box/sandbox/isolate/isolate-runtime.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

/**
 * Issue 14, point 4 (dev loop): `databox app dev` on a new app builds it, installs it on a
 * throwaway box with simulator data at the finest resolution it asks for, runs it, and after an
 * edit of its source rebuilds, reinstalls and reruns with the change; stopping removes the box.
 * The app folder has a node_modules with a symbolic link (as npm makes): install must not see it.
 */

const tempDir = useTempDir();
const runtime = new IsolateRuntime();

afterAll(async () => {
  await runtime.stop();
});

describe('AppDevLoop', () => {
  it('builds, installs and runs on simulator data, then reruns after an edit', async () => {
    const dir = join(tempDir(), 'dev-app');
    scaffoldApp(dir, { id: 'dev-app', runtime: 'isolate', sdkSpec: 'file:unused' });
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(REPO_ROOT, 'apps-sdk'), join(dir, 'node_modules/databox-apps-sdk'));
    // the checkout's SDK sources, so the test needs no built dist/
    const index = join(dir, 'src/index.ts');
    const sdk = JSON.stringify(join(REPO_ROOT, 'apps-sdk/src/app.ts'));
    writeFileSync(index, readFileSync(index, 'utf8').replace("'databox-apps-sdk/app'", sdk));
    const lines: string[] = [];
    const loop = new AppDevLoop(dir, { log: (line) => lines.push(line), runtimes: { isolate: runtime } });
    try {
      const first = await loop.cycle();
      expect(first.run?.status, lines.join('\n')).toBe('ok');
      // the finest resolution the manifest lists (30min), over the simulator's power for 7 days
      expect(first.run?.rowsRead).toBeGreaterThan(300);
      expect(first.insights).toMatchObject([{ key: 'week-power', title: 'Your week in power' }]);
      loop.watch();
      await new Promise((r) => setTimeout(r, 200));
      writeFileSync(
        index,
        readFileSync(index, 'utf8').replace("title: 'Your week in power'", "title: 'Edited'"),
      );
      const deadline = Date.now() + 60_000;
      while (!lines.some((l) => l.startsWith('insight week-power: Edited')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(lines.join('\n')).toContain('insight week-power: Edited');
      expect(lines.some((l) => l.startsWith('changed: src/index.ts'))).toBe(true);
    } finally {
      await loop.stop();
    }
    expect(existsSync(loop.home)).toBe(false);
  }, 120_000);
});
