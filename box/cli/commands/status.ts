import { existsSync } from 'node:fs';
import { type Command, HOME_OPTION, stringOption, URL_OPTION } from '../command.ts';
import { boxAnswers, boxApi, locateBox } from '../find-box.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show whether the box is running, where, and the state of its parts.',
  usage: 'status [--home DIR] [--url URL]',
  options: { home: HOME_OPTION, url: URL_OPTION },
  details: [
    'A running box writes where it listens to box.json in its data folder, so a box started with',
    '--port or --host is found without repeating them; one started with --home needs the same',
    '--home here (or --url). Exits 0 when the box answers, 1 when it does not.',
    'Examples:',
    '  databox status',
    '  databox status --url http://127.0.0.1:8080',
  ],
  async run({ values }) {
    const where = locateBox(stringOption(values, 'home'), stringOption(values, 'url'));
    if (where.staleNote) console.log(`note: ${where.staleNote}`);
    if (!where.url) {
      console.log(
        existsSync(where.paths.home)
          ? `not running; data folder ${where.paths.home}`
          : `no box set up at ${where.paths.home}: start one with "databox start"`,
      );
      return 1;
    }
    if (!(await boxAnswers(where.url))) {
      console.log(
        `not running (nothing answered at ${where.url}, from ${where.source}); data folder ${where.paths.home}`,
      );
      return 1;
    }
    const body = (await boxApi(where)('GET', '/status')) as Record<string, unknown>;
    console.log(`running at ${where.url}`);
    for (const [key, value] of Object.entries(body))
      console.log(`  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`);
    return 0;
  },
};
