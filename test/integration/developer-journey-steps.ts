import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { databoxBin, runCli } from '../helpers/box-process.ts';

/** A live grant as the journey compares it: what was granted, not when. */
export interface GrantRow {
  request: string;
  datasource: string;
  resolution: string;
  history: string;
}

/** `databox app show ID --home HOME`, parsed (the box's own view of the installed app). */
export interface ShownApp {
  version: string;
  filesDigest: string;
  consent: string | null;
  /** Who vouches for the files (`InstallTrust`): signed, and by which key. */
  publisher: { signed: boolean; publisher?: { fingerprint: string } } | null;
  grants: Array<GrantRow & { revokedAt: number | null; supersededAt: number | null }>;
}

/**
 * The developer's terminal: commands run in their own folders with their own config folder
 * (`XDG_CONFIG_HOME`, where `databox app pack` keeps the signing key), never in this checkout.
 */
export function developer(root: string) {
  // a terminal of their own: not this test runner's vitest variables, and plain text to read
  const env: NodeJS.ProcessEnv = { XDG_CONFIG_HOME: join(root, 'config'), NO_COLOR: '1' };
  for (const [k, v] of Object.entries(process.env))
    if (!/^(VITEST|FORCE_COLOR|NODE_ENV|TEST$)/.test(k) && !(k in env)) env[k] = v;
  const workspace = join(root, 'dev');
  const run = (command: string, args: string[], cwd = workspace) => {
    const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
  };
  return {
    workspace,
    run,
    databox: (args: string[], cwd = workspace) => run(process.execPath, [databoxBin(), ...args], cwd),
  };
}

export function showApp(home: string, appId: string): ShownApp {
  const shown = runCli(['app', 'show', appId, '--home', home]);
  if (shown.status !== 0) throw new Error(`app show ${appId}: ${shown.stderr}`);
  return JSON.parse(shown.stdout) as ShownApp;
}

/** The app's latest run and latest insight as the box recorded them (`app runs`, `app insights`). */
export function lastRun(home: string, appId: string) {
  const json = (sub: string) => {
    const r = runCli(['app', sub, appId, '--home', home, '--json']);
    if (r.status !== 0) throw new Error(`app ${sub} ${appId}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const runs = json('runs') as Array<{ runId: string; appVersion: string; status: string; reads: number }>;
  const insights = json('insights') as Array<{
    runId: string;
    key: string;
    unit: string;
    data: { resolution: string };
  }>;
  return { runs: runs.length, run: runs[0], insight: insights[0] };
}

/** The grants in force (neither revoked nor superseded), by request name. */
export function liveGrants(app: ShownApp): GrantRow[] {
  return app.grants
    .filter((g) => g.revokedAt === null && g.supersededAt === null)
    .map(({ request, datasource, resolution, history }) => ({ request, datasource, resolution, history }))
    .sort((a, b) => a.request.localeCompare(b.request));
}

/**
 * On the consent screen: picks the power request's resolution and history. Each choice posts the
 * form for a new preview, so each waits for the page that answers it (a fresh document holding
 * the choice).
 */
export async function chooseGrant(page: Page, resolution: string, history: string): Promise<void> {
  for (const [id, value] of [
    ['power-resolution', resolution],
    ['power-history', history],
  ]) {
    await page.evaluate('window.__before = true');
    await page.locator(`#${id}`).selectOption(value);
    // evaluated in the page (this project's tsconfig has no DOM types)
    await page.waitForFunction(
      `!window.__before && document.getElementById(${JSON.stringify(id)})?.value === ${JSON.stringify(value)}`,
    );
  }
}
