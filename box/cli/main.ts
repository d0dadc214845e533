import { formatError } from '../errors.ts';
import { type Command, runCommand } from './command.ts';

/**
 * Every command, loaded only when it runs: `databox start` pulls in the whole box, but
 * `databox --help` or `databox read` should not pay for Docker, MQTT or isolated-vm.
 * To add one: an entry here pointing at its module in `./commands/`.
 */
const COMMANDS: Array<{ name: string; summary: string; load: () => Promise<Command> }> = [
  {
    name: 'start',
    summary: 'Start the box daemon',
    load: async () => (await import('./commands/start.ts')).startCommand,
  },
  {
    name: 'status',
    summary: 'Show whether the box is running, and its status',
    load: async () => (await import('./commands/status.ts')).statusCommand,
  },
  {
    name: 'datasource',
    summary: 'List, add, show or remove datasources',
    load: async () => (await import('./commands/datasource.ts')).datasourceCommand,
  },
  {
    name: 'driver',
    summary: 'Add, list, show or remove driver instances (MQTT, P1, simulator)',
    load: async () => (await import('./commands/driver.ts')).driverCommand,
  },
  {
    name: 'device',
    summary: 'List devices; name them and set their room',
    load: async () => (await import('./commands/device.ts')).deviceCommand,
  },
  {
    name: 'write',
    summary: 'Write readings from CSV or JSON Lines',
    load: async () => (await import('./commands/write.ts')).writeCommand,
  },
  {
    name: 'import',
    summary: 'Import a Green Button or Octopus file',
    load: async () => (await import('./commands/import.ts')).importCommand,
  },
  {
    name: 'time',
    summary: "Show or set the box's time zone and locale",
    load: async () => (await import('./commands/time.ts')).timeCommand,
  },
  {
    name: 'read',
    summary: 'Read a datasource, raw or at a resolution',
    load: async () => (await import('./commands/read.ts')).readCommand,
  },
  {
    name: 'audit',
    summary: 'Verify or export the hash-chained audit trail',
    load: async () => (await import('./commands/audit.ts')).auditCommand,
  },
  {
    name: 'check',
    summary: 'Check the store, outbox, rollups, audit chain, file modes and disk',
    load: async () => (await import('./commands/check.ts')).checkCommand,
  },
  {
    name: 'backup',
    summary: 'Make an encrypted backup of everything needed to restore the box',
    load: async () => (await import('./commands/backup.ts')).backupCommand,
  },
  {
    name: 'restore',
    summary: 'Verify a backup, then restore it into a data folder',
    load: async () => (await import('./commands/restore.ts')).restoreCommand,
  },
  {
    name: 'app',
    summary: 'Install (with consent), run, inspect and remove apps',
    load: async () => (await import('./commands/app.ts')).appCommand,
  },
  {
    name: 'store',
    summary: 'Add app stores (by index URL or file), list their apps, install one',
    load: async () => (await import('./commands/store.ts')).storeCommand,
  },
  {
    name: 'exports',
    summary: 'What left the home: export ledger, review queue, approve/reject/retry',
    load: async () => (await import('./commands/exports.ts')).exportsCommand,
  },
  {
    name: 'user',
    summary: 'Set the dashboard password',
    load: async () => (await import('../web/user-command.ts')).userCommand,
  },
  {
    name: 'image',
    summary: 'Build the local base image for container apps',
    load: async () => (await import('./commands/image.ts')).imageCommand,
  },
];

function usage(): string {
  return [
    'databox: a personal data box for the home.',
    '',
    'Usage: databox <command> [options]     (databox <command> --help for more)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
  ].join('\n');
}

/** Runs the CLI; resolves with the exit code. Errors print as a message (and `path: message` lines). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version') {
    const { VERSION } = await import('../version.ts');
    console.log(VERSION);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    console.error(`databox: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  try {
    return await runCommand(await entry.load(), rest);
  } catch (error) {
    console.error(`databox ${name}: ${formatError(error)}`);
    return 1;
  }
}
