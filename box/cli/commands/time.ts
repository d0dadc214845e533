import { BadRequestError } from '../../errors.ts';
import { LocalTime } from '../../time/local-time.ts';
import { readTimeSettings, saveTimeSettings } from '../../time/time-settings.ts';
import { type Command, HOME_OPTION, stringOption } from '../command.ts';
import { openBoxStore } from '../find-box.ts';

/** `databox time`: show or set the box's time zone and locale. */
export const timeCommand: Command = {
  name: 'time',
  summary: "Show or set the box's time zone and locale (local days, dates on every screen)",
  usage: 'time [set [--zone ZONE] [--locale TAG]]',
  options: {
    home: HOME_OPTION,
    zone: {
      type: 'string',
      description: 'IANA time zone, e.g. Europe/Amsterdam ("" clears the setting)',
      placeholder: 'ZONE',
    },
    locale: {
      type: 'string',
      description: 'BCP 47 locale, e.g. nl-NL, en-GB ("" clears the setting)',
      placeholder: 'TAG',
    },
  },
  details: [
    "Without a setting the box uses timeZone / locale from config.json, else the system's.",
    'Examples:',
    '  databox time',
    '  databox time set --zone Asia/Kathmandu --locale ne-NP',
  ],
  async run({ values, positionals }) {
    const [action] = positionals;
    if (action !== undefined && action !== 'set')
      throw new BadRequestError(
        `time: unknown action "${action}"; use "databox time" or "databox time set --zone Z"`,
      );
    const store = await openBoxStore(values, { mustExist: true });
    try {
      if (action === 'set') {
        const zone = stringOption(values, 'zone');
        const locale = stringOption(values, 'locale');
        if (zone === undefined && locale === undefined)
          throw new BadRequestError('time set needs --zone and/or --locale');
        saveTimeSettings(store, { timeZone: zone, locale }, 'user');
      }
      const settings = readTimeSettings(store);
      const lt = new LocalTime(settings);
      const now = Date.now();
      console.log(
        `time zone  ${settings.timeZone} (${lt.zoneLabel(now)}, from the ${settings.source.timeZone})`,
      );
      console.log(`locale     ${settings.locale} (from the ${settings.source.locale})`);
      console.log(`now        ${lt.dateTime(now)} · ${lt.iso(now)}`);
      return 0;
    } finally {
      store.close();
    }
  },
};
