import { existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayPaths } from '../../export-gateway/paths.ts';
import type { BoxPaths } from '../config/paths.ts';
import { takeCleanStop } from './clean-stop.ts';
import { DamagedFileError, restoreHint } from './damaged-file.ts';
import { describeModeProblem, enforcePrivateModes, type ModeProblem, privatePaths } from './file-modes.ts';
import { checkSqliteFile, type SqliteCheckResult } from './sqlite-check.ts';

export interface StartCheckOptions {
  /** `databox start --accept-empty-store`: start on an empty or missing store beside old files. */
  acceptEmptyStore?: boolean;
  log: (message: string) => void;
}

/** What the start checks found (kept for status and the dashboard). */
export interface StartCheckReport {
  at: number;
  modes: ModeProblem[];
  quickCheck: SqliteCheckResult | undefined;
  /**
   * Set when the box stopped cleanly and the store is as it left it: the quick_check then runs in
   * the background after the start (`store-check.ts`) and fills in `quickCheck`.
   */
  quickCheckDeferred?: boolean;
  /** Set when an empty store was accepted with the flag. */
  acceptedEmptyStore?: string;
}

/**
 * The checks before the box opens its store: private file modes (fixed, with a warning), no
 * empty store beside the files of a box that had data, and `PRAGMA quick_check` of the store,
 * which reads all of it (~20 s for 3 GB): run here only when the last stop was not clean or the
 * file changed since (see `clean-stop.ts`); otherwise deferred to the background.
 * Throws a {@link DamagedFileError} naming the file when the box must not start.
 *
 * @example
 * const report = runStartChecks(boxPaths('/srv/databox'), { log: console.warn });
 */
export function runStartChecks(paths: BoxPaths, options: StartCheckOptions): StartCheckReport {
  const modes = enforcePrivateModes(privatePaths(paths.home));
  for (const problem of modes) options.log(`databox: warning: ${describeModeProblem(problem)}`);
  const report: StartCheckReport = { at: Date.now(), modes, quickCheck: undefined };
  // taken (and removed) first: from here on, a crash must leave no marker behind
  const cleanStop = takeCleanStop(paths);
  const size = existsSync(paths.database) ? statSync(paths.database).size : -1;
  if (size <= 0) {
    const evidence = previousLife(paths);
    if (evidence.length === 0) return report; // a first start
    const what = size === 0 ? 'the store is empty (0 bytes)' : 'the store is missing';
    if (!options.acceptEmptyStore) {
      throw new DamagedFileError(
        paths.database,
        `${what}, but this folder holds files of a box that had data (${evidence.join(', ')})`,
        `${restoreHint(paths.home)}. To start afresh on purpose, run "databox start --accept-empty-store"`,
      );
    }
    // an old checkpoint would refuse the new, shorter log: keep it as evidence, out of the way
    const checkpoint = join(paths.home, 'checkpoints', 'latest');
    if (existsSync(checkpoint)) renameSync(checkpoint, `${checkpoint}.before-empty-${Date.now()}`);
    report.acceptedEmptyStore = `${what}; started afresh (--accept-empty-store) beside ${evidence.join(', ')}`;
    options.log(`databox: warning: ${paths.database}: ${report.acceptedEmptyStore}`);
    return report;
  }
  if (cleanStop) {
    report.quickCheckDeferred = true;
    return report;
  }
  report.quickCheck = checkSqliteFile(paths.database, 'quick');
  if (!report.quickCheck.ok) {
    throw new DamagedFileError(
      paths.database,
      `the store is damaged: ${report.quickCheck.problems.join('; ')}`,
      `${restoreHint(paths.home)}. "databox check" shows the full report`,
    );
  }
  return report;
}

/** Files that only a box that has run leave behind. */
function previousLife(paths: BoxPaths): string[] {
  return [paths.adminToken, gatewayPaths(paths.home).db, join(paths.home, 'checkpoints', 'latest')].filter(
    (file) => existsSync(file),
  );
}
