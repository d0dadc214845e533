import { resolve } from 'node:path';
import { boxPaths } from '../../config/paths.ts';
import { BadRequestError } from '../../errors.ts';
import { restoreKeys } from '../../ops/backup-keys.ts';
import { restoreBackup } from '../../ops/restore.ts';
import { Store } from '../../store/store.ts';
import { type Command, HOME_OPTION, stringOption } from '../command.ts';
import { Progress } from '../progress.ts';

export const restoreCommand: Command = {
  name: 'restore',
  summary:
    'Verify a backup (decrypt, file digests, integrity_check, audit chain and checkpoint), then restore it into the data folder, keeping the folder it replaces.',
  usage: 'restore BACKUP.age [--home DIR] (--identity FILE | --passphrase-file FILE)',
  options: {
    home: HOME_OPTION,
    identity: {
      type: 'string',
      description: 'file with the age secret key (AGE-SECRET-KEY-1…)',
      placeholder: 'FILE',
    },
    'passphrase-file': {
      type: 'string',
      description: 'the passphrase on its first line (or $DATABOX_BACKUP_PASSPHRASE)',
      placeholder: 'FILE',
    },
  },
  details: [
    'Nothing is replaced unless every check passes. An existing data folder is moved to',
    '<DIR>.before-restore-<time> (never deleted). Stop the box first; works on a fresh machine.',
    'Examples:',
    '  databox restore /mnt/usb/databox-backup-20260101T030000Z.age --identity ~/databox-backup-key.txt',
  ],
  async run({ values, positionals }) {
    const [file] = positionals;
    if (!file) throw new BadRequestError('restore needs the backup file: databox restore BACKUP.age');
    const paths = boxPaths(stringOption(values, 'home'));
    const keys = restoreKeys({
      identityFile: stringOption(values, 'identity'),
      passphraseFile: stringOption(values, 'passphrase-file'),
    });
    const progress = new Progress('restore');
    const result = await restoreBackup(resolve(file), paths.home, keys, (step) =>
      progress.update(step, true),
    );
    progress.done('verified and restored');
    const store = Store.open(paths.database);
    try {
      store.audit.append({
        actor: 'user',
        action: 'box.restore',
        details: {
          backupCreatedAt: result.manifest.createdAt,
          auditHead: result.auditEntries,
          keptOld: result.movedAside ?? null,
        },
      });
    } finally {
      store.close();
    }
    console.log(
      `restored ${paths.home} from ${file} (made ${result.manifest.createdAt}; audit chain verified, ${result.auditEntries} entries)`,
    );
    if (result.movedAside) console.log(`  the folder it replaced is kept at ${result.movedAside}`);
    console.log('  start the box with "databox start"');
    return 0;
  },
};
