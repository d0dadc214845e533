import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { gatewayPaths } from '../../export-gateway/paths.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { loadBoxKey } from '../audit/box-key.ts';
import { ChainStatus } from '../audit/chain-status.ts';
import { verifyCheckpoint } from '../audit/checkpoint.ts';
import { loadConfig } from '../config/load-config.ts';
import { type BoxPaths, boxPaths } from '../config/paths.ts';
import { checkStoredCosts } from '../energy/cost-day-check.ts';
import { Catalogue } from '../store/catalogue.ts';
import { checkRollups } from '../store/consistency.ts';
import { checkStoredDays } from '../store/local-day-check.ts';
import { Store } from '../store/store.ts';
import { diskSpace } from './disk-space.ts';
import { backupPaths, describeModeProblem, enforcePrivateModes, privatePaths } from './file-modes.ts';
import { checkSqliteFile } from './sqlite-check.ts';

/** One part of `databox check`. */
export interface CheckItem {
  name: 'store' | 'rollups' | 'audit' | 'outbox' | 'files' | 'disk';
  ok: boolean;
  /** One line for people: what was checked and what was found. */
  summary: string;
  problems: string[];
  ms: number;
}

/** What `databox check` found; kept in the store (`kv box/check.last`) for status and the dashboard. */
export interface CheckReport {
  ok: boolean;
  at: number;
  ms: number;
  home: string;
  items: CheckItem[];
}

export type CheckProgress = (step: string, done?: number, total?: number) => void;

/** Audit entries verified per slice: progress between slices, and other writers are not held up. */
const AUDIT_SLICE = 50_000;

/**
 * The full check of a box's files, on connections of its own (the box may be running): SQLite
 * `integrity_check` of the store and the outbox, every numeric datasource's rollups against its
 * raw rows, the audit chain from entry 1 (in slices) and against the latest signed checkpoint,
 * private file modes (fixed, as at start) and free disk space. A store that cannot be opened
 * stops the checks that need it and says so.
 *
 * @example
 * const report = runCheck(boxPaths('/srv/databox'), (step) => console.error(step));
 * if (!report.ok) for (const item of report.items) console.log(item.name, item.problems);
 */
export function runCheck(paths: BoxPaths = boxPaths(), progress: CheckProgress = () => {}): CheckReport {
  const started = Date.now();
  const items: CheckItem[] = [];
  const timed = (name: CheckItem['name'], fn: () => Omit<CheckItem, 'name' | 'ms'>) => {
    const t = performance.now();
    const item = { name, ...fn(), ms: Math.round(performance.now() - t) };
    items.push(item);
    return item;
  };

  timed('files', () => {
    progress('file modes');
    // backups in the configured folder are as private as the box they copy
    const dir = existsSync(paths.config) ? loadConfig(paths.config).config.backup.dir : undefined;
    const files = [...privatePaths(paths.home), ...(dir ? backupPaths(dir) : [])];
    const problems = enforcePrivateModes(files).map(describeModeProblem);
    const unfixed = problems.filter((p) => !p.includes(', made '));
    return {
      ok: unfixed.length === 0,
      summary:
        problems.length === 0
          ? 'every private file is 0600, folders 0700'
          : `${problems.length} modes were too wide`,
      problems,
    };
  });

  const store = timed('store', () => {
    progress(`integrity_check of ${paths.database} (${mb(paths.database)})`);
    const result = checkSqliteFile(paths.database, 'full');
    return {
      ok: result.ok,
      summary: result.ok ? `${paths.database}: integrity_check ok` : `${paths.database} is damaged`,
      problems: result.problems,
    };
  });

  const outbox = gatewayPaths(paths.home).db;
  timed('outbox', () => {
    if (!existsSync(outbox)) return { ok: true, summary: `${outbox}: none yet`, problems: [] };
    progress(`integrity_check of ${outbox} (${mb(outbox)})`);
    const result = checkSqliteFile(outbox, 'full');
    return {
      ok: result.ok,
      summary: result.ok ? `${outbox}: integrity_check ok` : `${outbox} is damaged`,
      problems: result.problems,
    };
  });

  if (store.ok) {
    const db = new Database(paths.database, { fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    try {
      timed('rollups', () => checkAllRollups(db, progress));
      timed('audit', () => checkAudit(db, paths.home, progress));
    } finally {
      db.close();
    }
  } else {
    for (const name of ['rollups', 'audit'] as const)
      items.push({ name, ok: false, summary: 'not checked: the store is damaged', problems: [], ms: 0 });
  }

  timed('disk', () => {
    const disk = diskSpace(paths);
    return {
      ok: disk.level !== 'full',
      summary: disk.summary,
      problems: disk.level === 'ok' ? [] : [disk.summary],
    };
  });

  return { ok: items.every((i) => i.ok), at: started, ms: Date.now() - started, home: paths.home, items };
}

function checkAllRollups(db: Database.Database, progress: CheckProgress): Omit<CheckItem, 'name' | 'ms'> {
  const numeric = new Catalogue(db)
    .list()
    .filter((e) => e.valueType === 'gauge' || e.valueType === 'counter');
  const problems: string[] = [];
  numeric.forEach((entry, i) => {
    progress(`rollups of ${entry.id}`, i, numeric.length);
    for (const m of checkRollups(db, entry, 5)) {
      problems.push(
        `${entry.id}: ${m.width / 60_000}-minute bucket ${new Date(m.bucket).toISOString()} ${m.field} is ${JSON.stringify(m.stored)}, raw data gives ${JSON.stringify(m.expected)}`,
      );
    }
    for (const m of checkStoredDays(db, entry.sid, 5))
      problems.push(
        `${entry.id}: stored local day from ${new Date(m.start).toISOString()} (${m.zone}) ${m.field} is ${JSON.stringify(m.stored)}, its rollups give ${JSON.stringify(m.expected)}`,
      );
  });
  progress('stored day costs', numeric.length, numeric.length);
  for (const m of storedCostProblems(db))
    problems.push(
      `${m.id}: stored day cost from ${new Date(m.start).toISOString()} (${m.zone}) ${m.field} is ${JSON.stringify(m.stored)}, its rollups and tariff give ${JSON.stringify(m.expected)}`,
    );
  return {
    ok: problems.length === 0,
    summary: `${numeric.length} numeric datasources: rollups ${problems.length === 0 ? 'match' : 'differ from'} their raw readings${problems.length === 0 ? ', stored local days and day costs their rollups' : ''}`,
    problems,
  };
}

/** The stored day costs that differ from a fresh pricing (none before the store has the table). */
function storedCostProblems(db: Database.Database) {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cost_days'").get();
  // a Store on check's own connection (the table is the newest migration's: opening migrates nothing)
  return table ? checkStoredCosts(new Store(db), 5) : [];
}

function checkAudit(
  db: Database.Database,
  home: string,
  progress: CheckProgress,
): Omit<CheckItem, 'name' | 'ms'> {
  const log = new AuditLog(db);
  const status = new ChainStatus(db, log);
  const head = log.head().seq;
  let state = status.advance(AUDIT_SLICE, Date.now(), true);
  while (!state.broken && state.verified.seq < state.head.seq) {
    progress('audit chain', state.verified.seq, head);
    const before = state.verified.seq;
    state = status.advance(AUDIT_SLICE);
    if (state.verified.seq === before) break;
  }
  if (state.broken)
    return {
      ok: false,
      summary: `the audit chain is broken at entry ${state.broken.seq}`,
      problems: [state.broken.reason],
    };
  // the signed checkpoint outside the database: the log must not be shorter than what was signed
  const file = join(home, 'checkpoints', 'latest');
  const key = loadBoxKey(home);
  if (key && existsSync(file)) {
    try {
      const { size } = verifyCheckpoint(readFileSync(file, 'utf8'), key);
      if (state.head.seq < size)
        return {
          ok: false,
          summary: 'the audit log went backwards',
          problems: [`${file} was signed at ${size} entries, the log has ${state.head.seq}`],
        };
    } catch (error) {
      return { ok: false, summary: `${file} does not verify`, problems: [(error as Error).message] };
    }
  }
  return {
    ok: true,
    summary: `audit chain intact: ${state.head.seq} entries verified from entry 1`,
    problems: [],
  };
}

function mb(file: string): string {
  return existsSync(file) ? `${(statSync(file).size / 1e6).toFixed(1)} MB` : 'missing';
}
