import { existsSync } from 'node:fs';
import { HOUR_WINDOW_MS } from '../audit/ingest-window.ts';
import { boxPaths } from '../config/paths.ts';
import { Store } from '../store/store.ts';

/**
 * Opens the box's store for a CLI command. The store is safe to share with a running daemon
 * (SQLite WAL, every write in an IMMEDIATE transaction, no cached state), so commands work
 * whether or not the box is running.
 */
export function openStore(home: string | undefined, options: { mustExist?: boolean } = {}): Store {
  const paths = boxPaths(home);
  if (options.mustExist && !existsSync(paths.database)) {
    throw new Error(`no box data at ${paths.home} (run "databox start" once, or pass --home)`);
  }
  // the same ingest window as the daemon, so CLI writes join the hour's readings.write entry
  return Store.open(paths.database, { ingestWindowMs: HOUR_WINDOW_MS });
}
