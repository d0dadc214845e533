import { existsSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadConfig } from '../../config/load-config.ts';
import { boxPaths } from '../../config/paths.ts';
import { BadRequestError } from '../../errors.ts';
import { lowerPriority } from '../../ops/background-priority.ts';
import { makeBackup, rotateBackups } from '../../ops/backup.ts';
import { backupKeys } from '../../ops/backup-keys.ts';
import { formatBytes } from '../../ops/disk-space.ts';
import { type Command, HOME_OPTION, stringOption } from '../command.ts';
import { openStore } from '../open-store.ts';
import { Progress } from '../progress.ts';

export const backupCommand: Command = {
  name: 'backup',
  summary:
    'Make an encrypted backup (age) of everything needed to restore the box: store, outbox, config, keys, token, apps. Safe while the box runs.',
  usage:
    'backup --to DIR (--recipient age1… | --recipients-file FILE | --passphrase-file FILE) [--keep N] [--home DIR] | backup --new-key FILE',
  options: {
    home: HOME_OPTION,
    to: {
      type: 'string',
      description: 'folder to write the backup to (default config backup.dir)',
      placeholder: 'DIR',
    },
    recipient: {
      type: 'string',
      multiple: true,
      description: 'age public key that can open the backup (repeatable; default config backup.recipients)',
      placeholder: 'AGE1…',
    },
    'recipients-file': {
      type: 'string',
      description: 'file of age public keys, one a line',
      placeholder: 'FILE',
    },
    'passphrase-file': {
      type: 'string',
      description: 'encrypt with the passphrase on its first line instead (or $DATABOX_BACKUP_PASSPHRASE)',
      placeholder: 'FILE',
    },
    keep: {
      type: 'string',
      description: 'then delete all but the newest N backups in DIR',
      placeholder: 'N',
    },
    'new-key': {
      type: 'string',
      description: 'write a new age secret key to FILE (0600) and print its public key',
      placeholder: 'FILE',
    },
  },
  details: [
    'Keep the secret key (or passphrase) somewhere other than the box: the backup cannot be opened without it.',
    'The file is written as .databox-backup-….age.partial and renamed when complete, so an interrupted',
    'backup leaves only a .partial file (the next backup removes it). Each backup is audited (box.backup).',
    'It runs at a lower CPU priority (nice 10), so a running box keeps serving first.',
    'Examples:',
    '  databox backup --new-key ~/databox-backup-key.txt',
    '  databox backup --to /mnt/usb --recipient age1… --keep 7',
    '  age -d -i key.txt databox-backup-….age | tar t     (any age tool opens it; it is a tar inside)',
  ],
  async run({ values }) {
    const newKey = stringOption(values, 'new-key');
    if (newKey) {
      if (existsSync(newKey)) throw new BadRequestError(`${newKey} exists; not overwriting a key`);
      const { generateIdentity, identityToRecipient } = await import('age-encryption');
      const identity = await generateIdentity();
      const recipient = await identityToRecipient(identity);
      writeFileSync(newKey, `# public key: ${recipient}\n${identity}\n`, { mode: 0o600, flag: 'wx' });
      console.log(recipient);
      console.error(`secret key written to ${newKey}: keep it off the box (restore needs it)`);
      return 0;
    }
    const paths = boxPaths(stringOption(values, 'home'));
    if (!existsSync(paths.database)) throw new Error(`no box data at ${paths.home} (pass --home)`);
    const config = existsSync(paths.config) ? loadConfig(paths.config).config.backup : undefined;
    const dir = stringOption(values, 'to') ?? config?.dir;
    if (!dir) throw new BadRequestError('backup needs --to DIR (or backup.dir in config.json)');
    const flagRecipients = (values.recipient as string[] | undefined) ?? [];
    const useFlags = flagRecipients.length > 0 || values['recipients-file'] || values['passphrase-file'];
    const keys = backupKeys({
      recipients: useFlags ? flagRecipients : config?.recipients,
      recipientsFile: useFlags ? stringOption(values, 'recipients-file') : config?.recipientsFile,
      passphraseFile: useFlags ? stringOption(values, 'passphrase-file') : config?.passphraseFile,
    });
    const keepText = stringOption(values, 'keep');
    const keep = keepText === undefined ? config?.keep : Number(keepText);
    if (keep !== undefined && (!Number.isInteger(keep) || keep < 1))
      throw new BadRequestError(`--keep "${keepText}" must be a whole number of at least 1`);
    // the daemon's ingest and the dashboard come first (the encryption keeps a core busy)
    lowerPriority();
    const progress = new Progress('backup');
    const result = await makeBackup(paths, dir, keys, (step) => progress.update(step, true));
    const removed = keep ? rotateBackups(dir, keep) : [];
    progress.done(`done in ${(result.ms / 1000).toFixed(1)} s`);
    const store = openStore(paths.home, { mustExist: true });
    try {
      store.audit.append({
        actor: 'user',
        action: 'box.backup',
        details: {
          file: basename(result.file),
          bytes: result.bytes,
          ms: result.ms,
          auditHead: result.manifest.auditHead.seq,
          files: result.manifest.files.length,
          encryption: keys.recipients.length > 0 ? 'age-recipients' : 'age-passphrase',
          rotatedOut: removed.length,
        },
      });
    } finally {
      store.close();
    }
    console.log(
      `backup written: ${result.file} (${formatBytes(result.bytes)}, ${result.manifest.files.length} files, audit log up to entry ${result.manifest.auditHead.seq})`,
    );
    for (const name of removed) console.log(`  removed old backup ${name} (keeping ${keep})`);
    return 0;
  },
};
