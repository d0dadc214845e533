import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where a box keeps its files. */
export interface BoxPaths {
  home: string;
  database: string;
  config: string;
  adminToken: string;
  /** Written by a running box: where it listens and its pid (see box/runtime-file.ts). */
  runtime: string;
}

/**
 * The data folder: `--home`, else `$DATABOX_HOME`, else `~/.databox`.
 *
 * @example
 * boxPaths(undefined, { DATABOX_HOME: '/srv/databox' }).database; // '/srv/databox/databox.db'
 */
export function boxPaths(homeFlag?: string, env: NodeJS.ProcessEnv = process.env): BoxPaths {
  const home = resolve(homeFlag ?? env.DATABOX_HOME ?? join(homedir(), '.databox'));
  return {
    home,
    database: join(home, 'databox.db'),
    config: join(home, 'config.json'),
    adminToken: join(home, 'admin-token'),
    runtime: join(home, 'box.json'),
  };
}
