import { DataboxError } from '../errors.ts';

/**
 * A file the box needs is damaged or missing: the box refuses to go on rather than replace it
 * with an empty one. The message names the file, says what is wrong and how to recover.
 */
export class DamagedFileError extends DataboxError {
  readonly file: string;

  constructor(file: string, problem: string, remedy: string) {
    super(500, 'damaged_file', `${file}: ${problem}. ${remedy}`);
    this.file = file;
  }
}

/** How to get a damaged store back: the same words everywhere (start, check, status). */
export function restoreHint(home: string): string {
  return `Restore it from a backup ("databox restore BACKUP.age --home ${home}", see docs/operations.md); the damaged file stays where it is until then`;
}
