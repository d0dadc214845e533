import type { ReadResolution } from '../../store/types.ts';
import { type InferenceFinding, inferenceAt, inferenceForKind } from '../inference-reference.ts';
import { type Band, bandOf, type DataFamily, familyOf } from './data-kinds.ts';
import {
  ACTIVITY_FROM_SWITCHES,
  LOCATION_UNICITY,
  OCCUPANCY_FROM_CLIMATE,
  OCCUPANCY_FROM_HOME_CO2,
  PRESENCE_FROM_CO2,
  PRESENCE_FROM_MOTION,
  UTILITIES_COMBINED,
  WATER_END_USES,
} from './research-findings.ts';

/** What an app could learn from one datasource at one resolution, for the consent screen and receipts. */
export interface RiskText {
  family: DataFamily;
  /** The data in a few words: "electricity use", "room temperature". */
  what: string;
  summary: string;
  /** The research behind the summary, each with its source; empty when the summary rests on what the data is. */
  findings: InferenceFinding[];
}

type Table = { what: string; text: Record<Band, string>; findings: Record<Band, InferenceFinding[]> };
const all = (text: string): Record<Band, string> => ({
  seconds: text,
  minutes: text,
  halfHour: text,
  hour: text,
  day: text,
});
const each = (f: InferenceFinding[]): Record<Band, InferenceFinding[]> => ({
  seconds: f,
  minutes: f,
  halfHour: f,
  hour: f,
  day: f,
});

// Electricity and health come from inference-reference.ts (the shared research tables); the
// families below cite research-findings.ts. A sentence with no finding rests on what the data is
// (noted per family).
const TABLES: Record<Exclude<DataFamily, 'electricity' | 'health'>, Table> = {
  // what a gas (or district heat) meter measures: in most homes the boiler and the hob are its only loads
  gas: {
    what: 'gas or heat use',
    text: {
      seconds:
        'When the boiler and the hob burn gas: each shower or bath, each meal cooked, and when the heating comes on and goes off, so when people get up, come home and go to bed.',
      minutes:
        'Showers, baths and cooking still show, and so does when the heating runs: when people get up, come home and go to bed.',
      halfHour:
        'Your heating schedule and hot-water habits: when the home is heated because someone is in, and when it is left cold because it is empty or everyone is asleep.',
      hour: 'Your heating schedule, hour by hour: when someone is usually in, out or asleep.',
      day: 'How much you heat your home each day; a day with almost no gas shows the home was empty.',
    },
    findings: { ...each([UTILITIES_COMBINED]), day: [] },
  },
  water: {
    what: 'water use',
    text: {
      seconds:
        'Each use of water can be told apart: toilet flushes, showers, the washing machine, taps. That shows when each person gets up, washes and goes to bed, and when no one is in.',
      minutes:
        'Showers and washing-machine runs still show (single toilet flushes mostly do not), and so do the times people are up and at home.',
      halfHour: 'Daily routines: when the household gets up, showers and goes to bed, and when no one is in.',
      hour: 'Daily routines, hour by hour: when the household is up, and when no one is in.',
      // a day's total: how much the household uses; none at all means nobody was home
      day: 'How much water the household uses, which hints at how many people live there; a day with no use shows the home was empty.',
    },
    findings: {
      seconds: [WATER_END_USES],
      minutes: [WATER_END_USES],
      halfHour: [WATER_END_USES],
      hour: [],
      day: [],
    },
  },
  // occupancy data is, by definition, when someone is in: the empty house needs no study
  occupancy: {
    what: 'occupancy (whether someone is in)',
    text: {
      seconds:
        'It reveals exactly when the house (or this room) is empty, and when people get up, go to bed, leave and come back, and how often someone gets up at night.',
      minutes:
        'It reveals when the house (or this room) is empty, and when people get up, go to bed, leave and come back.',
      halfHour:
        'It reveals when the house is usually empty and when people are in or asleep, half hour by half hour: the times a burglar would want to know.',
      hour: 'It reveals when the house is usually empty and when people are in or asleep, hour by hour: the times a burglar would want to know.',
      day: 'It reveals how much of each day someone was in, and which days the house was empty (holidays, nights away).',
    },
    findings: { ...each([PRESENCE_FROM_MOTION, ACTIVITY_FROM_SWITCHES]), day: [] },
  },
  // a door or window contact records each opening: leaving and coming home are openings of the front door
  contact: {
    what: 'doors and windows opening',
    text: {
      seconds:
        'Every opening: when people leave and come home, when visitors call, when the fridge or bathroom door is used, and whether a window is left open while no one is in.',
      minutes:
        'Openings within minutes: when people leave and come home, visitors, and whether a window is left open while no one is in.',
      halfHour:
        'When doors are used half hour by half hour: when the home is empty and the household’s daily routine.',
      hour: 'When doors are used hour by hour: when the home is empty and the household’s daily routine.',
      day: 'How often doors and windows are opened each day; a day with no openings shows the home was empty.',
    },
    findings: { ...each([ACTIVITY_FROM_SWITCHES]), day: [] },
  },
  temperature: {
    what: 'temperature',
    text: {
      seconds:
        'When the heating comes on and off and when windows are opened; in a bathroom or kitchen, showers and cooking show; in a bedroom, when someone sleeps there.',
      minutes:
        'When the heating comes on and off and when windows are opened; in a bathroom or kitchen, showers and cooking show; in a bedroom, when someone sleeps there.',
      halfHour:
        'Your heating schedule, which follows when people are up, out and asleep, and whether a room is in use.',
      hour: 'Your heating schedule, which follows when people are up, out and asleep.',
      // a daily mean flattens the heating cycle: only how warm the room is kept is left
      day: 'How warm the home or this room is kept; it says little about when people are in.',
    },
    findings: {
      seconds: [OCCUPANCY_FROM_CLIMATE],
      minutes: [OCCUPANCY_FROM_CLIMATE],
      halfHour: [],
      hour: [],
      day: [],
    },
  },
  humidity: {
    what: 'humidity',
    text: {
      seconds:
        'Showers and baths (in a bathroom), cooking, drying laundry, and people breathing in a closed room.',
      minutes: 'Showers and baths (in a bathroom), cooking and drying laundry.',
      halfHour: 'When the bathroom or kitchen is used each day: the household’s routine.',
      hour: 'When the bathroom or kitchen is used each day, roughly: the household’s routine.',
      day: 'How damp the home is; little about when people are in.',
    },
    findings: {
      seconds: [OCCUPANCY_FROM_CLIMATE],
      minutes: [OCCUPANCY_FROM_CLIMATE],
      halfHour: [],
      hour: [],
      day: [],
    },
  },
  // people breathe out CO₂: the level in a closed room follows how many are in it
  air: {
    what: 'air quality (CO₂)',
    text: {
      seconds:
        'Whether someone is in the room and roughly how many: the level rises within minutes of people coming in.',
      minutes: 'Whether someone is in the room and roughly how many, and when they came and left.',
      halfHour:
        'When each room is used and when the home is empty, half hour by half hour; in a bedroom, when people sleep.',
      hour: 'When each room is used and when the home is empty, hour by hour; in a bedroom, when people sleep.',
      day: 'How well the home is aired; a day at outdoor levels shows nobody was in.',
    },
    findings: {
      seconds: [PRESENCE_FROM_CO2, OCCUPANCY_FROM_HOME_CO2],
      minutes: [PRESENCE_FROM_CO2, OCCUPANCY_FROM_HOME_CO2],
      halfHour: [OCCUPANCY_FROM_HOME_CO2],
      hour: [OCCUPANCY_FROM_HOME_CO2],
      day: [],
    },
  },
  // lights are switched by people: on after dark means someone is in
  light: {
    what: 'light level',
    text: {
      seconds: 'When lights are switched on and off: when people are in, get up and go to bed.',
      minutes: 'When lights are switched on and off: when people are in, get up and go to bed.',
      halfHour: 'Evening and night routines, from when the lights are on.',
      hour: 'Evening and night routines, roughly, from when the lights are on.',
      day: 'How bright the room is over a day; little about the household.',
    },
    findings: {
      seconds: [OCCUPANCY_FROM_CLIMATE],
      minutes: [OCCUPANCY_FROM_CLIMATE],
      halfHour: [],
      hour: [],
      day: [],
    },
  },
  location: {
    what: 'location',
    text: {
      ...all(
        'Where you are and when: your home and work, the places you visit (a doctor, a place of worship), and when the home is empty. A few points are enough to single you out.',
      ),
      day: 'Which places you are at day by day; even a few of them are enough to single you out.',
    },
    findings: each([LOCATION_UNICITY]),
  },
  // a published tariff is the same for every customer on it
  price: {
    what: 'energy prices',
    text: all('Published prices: nothing about your household beyond which tariff you are on.'),
    findings: each([]),
  },
  // a battery level, a meter's switch or a leak alarm changes rarely and not with what people do
  device: {
    what: 'device state',
    text: all(
      'The state of a device (its battery, a meter’s switch or supply failures, a leak alarm): little about daily life.',
    ),
    findings: each([]),
  },
  other: {
    what: 'data of a kind Databox has no research on',
    text: {
      ...all(
        'Databox has no research on what this kind of data reveals. Readings this fine from inside a home can show when people are in and what they do: grant the coarsest the app can work with.',
      ),
      day: 'Databox has no research on what this kind of data reveals; daily values usually show trends rather than moments.',
    },
    findings: each([]),
  },
};

/**
 * What an app could learn from a datasource of `kind` read at `resolution`: the smart-meter
 * research for electricity, the wearable research for health, and for every other kind its own
 * text (occupancy says it reveals when the house is empty; a temperature sensor gets heating and
 * room-use text, never meter research). `location` (the datasource's, e.g. `outdoor`) sharpens it.
 *
 * @example
 * ```ts
 * riskFor('occupancy', '30min').summary; // 'It reveals when the house is usually empty …'
 * riskFor('temperature', '1h', 'bedroom').findings; // [] (no smart-meter findings)
 * ```
 */
export function riskFor(kind: string, resolution: ReadResolution, location = ''): RiskText {
  const family = familyOf(kind);
  if (family === 'electricity') {
    const e = inferenceAt(resolution);
    return { family, what: 'electricity use', summary: e.summary, findings: e.findings };
  }
  if (family === 'health') {
    const h = inferenceForKind('health.', resolution);
    return { family, what: 'health data', summary: h?.summary ?? '', findings: h?.findings ?? [] };
  }
  const band = bandOf(resolution);
  if ((family === 'temperature' || family === 'humidity') && /outdoor|outside|garden/i.test(location))
    // outdoor weather is the same for the whole street
    return {
      family,
      what: `outdoor ${family}`,
      summary:
        'Outdoor weather says almost nothing about your household; at most, roughly where the home is.',
      findings: [],
    };
  const table = TABLES[family];
  return { family, what: table.what, summary: table.text[band], findings: table.findings[band] };
}
