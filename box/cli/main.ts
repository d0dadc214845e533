import { formatError } from '../errors.ts';
import { type Command, runCommand } from './command.ts';
import { appCommand } from './commands/app.ts';
import { auditCommand } from './commands/audit.ts';
import { datasourceCommand } from './commands/datasource.ts';
import { driverCommand } from './commands/driver.ts';
import { imageCommand } from './commands/image.ts';
import { importCommand } from './commands/import.ts';
import { readCommand } from './commands/read.ts';
import { startCommand } from './commands/start.ts';
import { statusCommand } from './commands/status.ts';
import { writeCommand } from './commands/write.ts';

const COMMANDS: Command[] = [
  startCommand,
  statusCommand,
  datasourceCommand,
  driverCommand,
  writeCommand,
  importCommand,
  readCommand,
  auditCommand,
  appCommand,
  imageCommand,
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
    const { VERSION } = await import('../box.ts');
    console.log(VERSION);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`databox: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  try {
    return await runCommand(command, rest);
  } catch (error) {
    console.error(`databox ${name}: ${formatError(error)}`);
    return 1;
  }
}
