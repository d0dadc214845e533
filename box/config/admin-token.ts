import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { DamagedFileError } from '../ops/damaged-file.ts';

/**
 * The admin bearer token: 32 random bytes (base64url) in a file readable only by its owner
 * (mode 0600), created on first run. Clients send `Authorization: Bearer <token>`.
 * A file that exists but holds no valid token (truncated, emptied) is never silently replaced:
 * scripts and other devices hold the old token. `regenerate` (`databox start --regenerate-token`)
 * writes a new one.
 */
export function ensureAdminToken(
  file: string,
  options: { regenerate?: boolean } = {},
): { token: string; created: boolean } {
  if (existsSync(file) && !options.regenerate) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const token = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(token)) return { token, created: false };
    throw new DamagedFileError(
      file,
      `the admin token file holds no valid token (${token.length === 0 ? 'it is empty' : `${token.length} characters; expected at least 32 base64url characters`})`,
      'Put the token back from a backup, or run "databox start --regenerate-token" to write a new one (clients using the old token must then be given the new one)',
    );
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, created: true };
}

/** Reads the token if the file exists (for CLI commands that talk to a running box). */
export function readAdminToken(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** Constant-time comparison of a presented token with the real one. */
export function tokenMatches(presented: string, actual: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}
