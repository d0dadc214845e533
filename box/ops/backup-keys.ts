import { readFileSync } from 'node:fs';
import { BadRequestError } from '../errors.ts';

/** Who can open a backup: age recipients (public keys), or a passphrase. */
export interface BackupKeys {
  /** age public keys (`age1…`); any one of their identities opens the backup. */
  recipients: string[];
  passphrase?: string;
}

/** What opens a backup at restore: age identities (`AGE-SECRET-KEY-1…`) or a passphrase. */
export interface RestoreKeys {
  identities: string[];
  passphrase?: string;
}

/** The lines of a key file that are keys (`#` comments and blank lines skipped, as age does). */
function keyLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** The passphrase from a file's first line, or `$DATABOX_BACKUP_PASSPHRASE`. */
export function readPassphrase(file: string | undefined, env = process.env): string | undefined {
  const passphrase = file ? readFileSync(file, 'utf8').split('\n')[0] : env.DATABOX_BACKUP_PASSPHRASE;
  if (passphrase !== undefined && passphrase.length < 12)
    throw new BadRequestError('the backup passphrase must be at least 12 characters (use 4-5 random words)');
  return passphrase;
}

/**
 * Backup keys from the command line and config: `--recipient age1…` (repeatable), recipients in a
 * file (`--recipients-file`, one per line, like `age -R`), or a passphrase.
 */
export function backupKeys(options: {
  recipients?: string[];
  recipientsFile?: string;
  passphraseFile?: string;
  env?: NodeJS.ProcessEnv;
}): BackupKeys {
  const recipients = [
    ...(options.recipients ?? []),
    ...(options.recipientsFile ? keyLines(options.recipientsFile) : []),
  ];
  for (const r of recipients)
    if (!/^age1[0-9a-z]+$/.test(r))
      throw new BadRequestError(`"${r.slice(0, 20)}…" is not an age recipient (age1…)`);
  const passphrase =
    recipients.length === 0 ? readPassphrase(options.passphraseFile, options.env) : undefined;
  if (recipients.length === 0 && passphrase === undefined) {
    throw new BadRequestError(
      'a backup must be encrypted: give --recipient age1… (a public key; make one with "age-keygen" or "databox backup --new-key FILE"), --recipients-file FILE, or --passphrase-file FILE (or $DATABOX_BACKUP_PASSPHRASE)',
    );
  }
  return { recipients, passphrase };
}

/** Keys for restore: `--identity FILE` (age secret keys) or a passphrase. */
export function restoreKeys(options: {
  identityFile?: string;
  passphraseFile?: string;
  env?: NodeJS.ProcessEnv;
}): RestoreKeys {
  const identities = options.identityFile ? keyLines(options.identityFile) : [];
  const passphrase =
    identities.length === 0 ? readPassphrase(options.passphraseFile, options.env) : undefined;
  if (identities.length === 0 && passphrase === undefined)
    throw new BadRequestError(
      'give --identity FILE (the age secret key) or --passphrase-file FILE (or $DATABOX_BACKUP_PASSPHRASE) to open the backup',
    );
  return { identities, passphrase };
}
