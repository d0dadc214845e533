import { type ParseArgsConfig, parseArgs } from 'node:util';
import { BadRequestError } from '../errors.ts';

type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & {
  description: string;
  placeholder?: string;
};

/** One CLI command: its help text and options drive `--help` and argument checking. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Extra help lines (examples). */
  details?: string[];
  run(args: {
    values: Record<string, string | boolean | string[] | undefined>;
    positionals: string[];
  }): Promise<number>;
}

export const HOME_OPTION: OptionSpec = {
  type: 'string',
  description: 'data folder (default $DATABOX_HOME or ~/.databox)',
  placeholder: 'DIR',
};

export const URL_OPTION: OptionSpec = {
  type: 'string',
  description: 'the box to use (default $DATABOX_URL, else the running box of the data folder)',
  placeholder: 'URL',
};

export function helpText(command: Command): string {
  const lines = [`${command.summary}`, '', `Usage: databox ${command.usage}`, '', 'Options:'];
  const entries = Object.entries({
    ...command.options,
    help: { type: 'boolean', description: 'show this help' } as OptionSpec,
  });
  for (const [name, spec] of entries) {
    const flag = `--${name}${spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : ''}`;
    lines.push(`  ${flag.padEnd(26)} ${spec.description}`);
  }
  if (command.details) lines.push('', ...command.details);
  return lines.join('\n');
}

/**
 * Joins `--name VALUE` into `--name=VALUE` when VALUE starts with "-" but is not an option, so
 * `--from -7d` works as documented (node's parseArgs refuses it as "ambiguous", since it cannot
 * tell a value from a forgotten one). A following `--x`, `-h` or `--` stays an option.
 */
export function joinDashValues(argv: string[], options: Record<string, OptionSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const spec = arg.startsWith('--') && !arg.includes('=') ? options[arg.slice(2)] : undefined;
    if (spec?.type === 'string' && next !== undefined && /^-(?!-)./.test(next) && !/^-[a-zA-Z]$/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Parses argv for `command`, prints help on `--help`, and runs it. */
export async function runCommand(command: Command, argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinDashValues(argv, command.options),
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new BadRequestError(`${(error as Error).message}\nRun "databox ${command.name} --help" for usage.`);
  }
  if (parsed.values.help) {
    console.log(helpText(command));
    return 0;
  }
  return command.run(parsed as Parameters<Command['run']>[0]);
}

export function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
