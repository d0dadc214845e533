import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, lstat, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_INSTALL_LIMITS } from '../apps/install-files.ts';
import { copyScannedTreeAsync, scanAppFolderAsync } from '../apps/install-stream.ts';

/** The preferred parent of per-run folders: on a tmpfs on most systems, and says nothing about the box. */
export const SANDBOX_ROOT = '/run/databox-sandbox';

/** One run's host folders: `api/` for the app API socket and, if the run has an app folder, `app/`. */
export interface RunStage {
  /** `<root>/<random>`: removed with everything in it by {@link RunStage.remove}. */
  dir: string;
  apiDir: string;
  /** A copy of the app folder (plain files only, 0644/0755), or undefined when the run has none. */
  appDir?: string;
  remove(): Promise<void>;
}

/**
 * The folder per-run folders go in: `preferred` if given, else the first usable of
 * `/run/databox-sandbox`, `$XDG_RUNTIME_DIR/databox-sandbox` and `<tmp>/databox-sandbox`.
 * Bind-mount sources show in a container's `/proc/self/mountinfo`, so they must not be under the
 * box's home. A candidate that exists must be a real folder owned by this user (not a link planted
 * in a shared `/tmp`); it is made 0711 so other users cannot list the runs.
 */
export async function sandboxRoot(preferred?: string): Promise<string> {
  if (preferred) return preferred;
  const candidates = [SANDBOX_ROOT];
  if (process.env.XDG_RUNTIME_DIR) candidates.push(join(process.env.XDG_RUNTIME_DIR, 'databox-sandbox'));
  candidates.push(join(tmpdir(), 'databox-sandbox'));
  for (const candidate of candidates) {
    try {
      await mkdir(candidate, { recursive: true, mode: 0o711 });
      const info = await lstat(candidate);
      if (!info.isDirectory() || info.uid !== process.getuid?.()) continue;
      await access(candidate, constants.W_OK | constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new Error(`no usable folder for container runs (tried ${candidates.join(', ')})`);
}

/**
 * Makes a run's folders under `root`, named by a random id (not the run id), and copies the app
 * folder into `app/` without following links (the same checks as install; see `scanAppFolder`).
 * The container therefore mounts neutral paths, sees the bytes as copied at run start however
 * the installed folder changes meanwhile, and can read them whatever the installed folder's modes.
 *
 * @example
 * const stage = await stageRun(await sandboxRoot(), app.dir);
 * try { ... binds: [{ hostPath: stage.apiDir, containerPath: '/run/databox' }, { hostPath: stage.appDir, containerPath: '/app' }] } finally { await stage.remove(); }
 */
export async function stageRun(root: string, appFolder?: string): Promise<RunStage> {
  const dir = join(root, randomBytes(12).toString('hex'));
  await mkdir(dir, { mode: 0o711 });
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await chmod(dir, 0o711); // mkdir's mode is masked by umask
    const apiDir = join(dir, 'api');
    await mkdir(apiDir);
    await chmod(apiDir, 0o711); // uid 65534 may enter it (to reach the socket) but not list it
    if (!appFolder) return { dir, apiDir, remove };
    const appDir = join(dir, 'app');
    await mkdir(appDir);
    await chmod(appDir, 0o755);
    await copyScannedTreeAsync(
      appFolder,
      await scanAppFolderAsync(appFolder, DEFAULT_INSTALL_LIMITS),
      appDir,
    );
    return { dir, apiDir, appDir, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
