import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A path whose mode was wider than it should be (and, when `fixed`, was narrowed). */
export interface ModeProblem {
  path: string;
  /** The permission bits found, e.g. 0o644. */
  found: number;
  /** What the box wants: 0o700 for folders, 0o600 for files. */
  wanted: number;
  fixed: boolean;
  /** Why chmod failed (e.g. the file belongs to another user). */
  error?: string;
}

/** The box's private paths under `home`: what holds readings, the password hash, keys and tokens. */
export function privatePaths(home: string): Array<{ path: string; mode: number }> {
  const file = (name: string) => ({ path: join(home, name), mode: 0o600 });
  const dbFiles = (base: string) => ['', '-wal', '-shm'].map((suffix) => file(`${base}${suffix}`));
  const checkpoints = join(home, 'checkpoints');
  return [
    { path: home, mode: 0o700 },
    ...dbFiles('databox.db'),
    file('admin-token'),
    file('audit-key.pem'),
    file('box.json'),
    file('config.json'),
    { path: join(home, 'gateway'), mode: 0o700 },
    ...dbFiles(join('gateway', 'outbox.db')),
    { path: join(home, 'tls'), mode: 0o700 },
    file(join('tls', 'cert.pem')),
    file(join('tls', 'key.pem')),
    { path: checkpoints, mode: 0o700 },
    ...(existsSync(checkpoints) ? readdirSync(checkpoints).map((n) => file(join('checkpoints', n))) : []),
  ];
}

/** Backups in `dir` (`databox-backup-*.age`) are as private as the box they copy. */
export function backupPaths(dir: string): Array<{ path: string; mode: number }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.startsWith('databox-backup-'))
    .map((name) => ({ path: join(dir, name), mode: 0o600 }));
}

/**
 * Narrows every private path that others may read or write, whoever created it (a `mkdir`
 * before the first start, a copy, a wide umask): folders 0700, files 0600. Missing paths are
 * skipped. Returns what was wrong, so the caller can warn about it.
 *
 * @example
 * for (const p of enforcePrivateModes(privatePaths('/srv/databox')))
 *   console.warn(`${p.path} was ${p.found.toString(8)}, now ${p.wanted.toString(8)}`);
 */
export function enforcePrivateModes(paths: Array<{ path: string; mode: number }>, fix = true): ModeProblem[] {
  const problems: ModeProblem[] = [];
  for (const { path, mode } of paths) {
    let found: number;
    try {
      found = statSync(path).mode & 0o777;
    } catch {
      continue; // not there (yet)
    }
    // only bits for group and others count: an owner-only 0400 key is fine
    if ((found & 0o077) === 0) continue;
    const problem: ModeProblem = { path, found, wanted: mode, fixed: false };
    if (fix) {
      try {
        chmodSync(path, mode);
        problem.fixed = true;
      } catch (error) {
        problem.error = (error as Error).message;
      }
    }
    problems.push(problem);
  }
  return problems;
}

/** One line per problem: `<path> was 0644, made 0600` or why it could not be. */
export function describeModeProblem(p: ModeProblem): string {
  const octal = (n: number) => `0${n.toString(8)}`;
  if (p.fixed) return `${p.path} was ${octal(p.found)} (readable by others), made ${octal(p.wanted)}`;
  return `${p.path} is ${octal(p.found)} (readable by others), should be ${octal(p.wanted)}${p.error ? `: ${p.error}` : ''}`;
}
