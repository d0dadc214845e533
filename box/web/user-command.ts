import { createInterface } from 'node:readline';
import { type Command, HOME_OPTION, stringOption } from '../cli/command.ts';
import { openStore } from '../cli/open-store.ts';
import { BadRequestError } from '../errors.ts';
import { PasswordStore } from './auth/password.ts';
import { SessionStore } from './auth/sessions.ts';

/** Reads one line; on a terminal the typed characters are not echoed. */
function readSecret(prompt: string, input: NodeJS.ReadStream = process.stdin): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input, output: process.stderr, terminal: input.isTTY === true });
    const mutable = rl as unknown as { _writeToOutput: (s: string) => void };
    if (input.isTTY) {
      process.stderr.write(prompt);
      mutable._writeToOutput = () => {};
    }
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      if (input.isTTY) process.stderr.write('\n');
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) reject(new BadRequestError('no password given on standard input'));
    });
  });
}

/**
 * `databox user set-password`: sets the dashboard password (scrypt) and ends every dashboard
 * session. On a terminal it asks twice without echo; otherwise it reads the first line of stdin.
 */
export const userCommand: Command = {
  name: 'user',
  summary: 'Set the dashboard password (databox user set-password)',
  usage: 'user set-password [--home DIR]',
  options: { home: HOME_OPTION },
  details: [
    'The password protects the web dashboard (at least 10 characters). Setting it signs out every',
    'open dashboard session. Without a terminal the first line of standard input is the password:',
    "  printf '%s\\n' 'my long password' | databox user set-password",
  ],
  async run({ values, positionals }) {
    const [sub, ...extra] = positionals;
    if (sub !== 'set-password' || extra.length > 0)
      throw new BadRequestError(
        `user takes one subcommand, set-password; got ${positionals.join(' ') || 'none'}`,
      );
    const password = await readSecret('New dashboard password: ');
    if (process.stdin.isTTY && (await readSecret('Repeat it: ')) !== password)
      throw new BadRequestError('the two passwords differ; nothing was changed');
    const store = openStore(stringOption(values, 'home'));
    try {
      await new PasswordStore(store).set(password, 'cli');
      const ended = new SessionStore(store).clear();
      console.log(`dashboard password set${ended ? `; ${ended} open sessions were signed out` : ''}`);
      return 0;
    } finally {
      store.close();
    }
  },
};
