/**
 * Published findings on what home sensor data other than electricity reveals, for the risk text of
 * the consent screen. Electricity's are in `../inference-reference.ts` (from
 * `shared/reference/smart-meter-inference.md`), health's there too. Each entry names its source;
 * the product shows the source beside the sentence.
 *
 * Where a sentence of the risk text rests on what the data is rather than on a study (an
 * occupancy sensor's data is, by definition, when someone is in), `kind-risks.ts` says so in a
 * comment instead of citing.
 */
import type { InferenceFinding } from '../inference-reference.ts';

/** Door, cupboard and toilet-flush switches in a home (also the basis for motion-sensor routines). */
export const ACTIVITY_FROM_SWITCHES: InferenceFinding = {
  resolution: 'each opening or movement, with its time',
  finding:
    'leaving the house, toileting, showering, sleeping, breakfast and dinner recognised from 14 simple sensors on doors, cupboards and the toilet',
  source:
    'van Kasteren, Noulas, Englebienne, Kröse, "Accurate activity recognition in a home setting", UbiComp 2008',
};

/** A passive infrared motion sensor as a presence detector. */
export const PRESENCE_FROM_MOTION: InferenceFinding = {
  resolution: '2-minute windows of a motion sensor',
  finding: 'whether someone was present detected with 97.9% accuracy',
  source:
    'Hailemariam, Goldstein, Attar, Khan, "Real-time occupancy detection using decision trees with multiple sensor types", SimAUD 2011',
};

/** Room climate sensors together. */
export const OCCUPANCY_FROM_CLIMATE: InferenceFinding = {
  resolution: '1 minute (light, temperature, humidity, CO₂)',
  finding: 'whether a room was occupied detected with up to 99% accuracy',
  source: 'Candanedo & Feldheim, Energy and Buildings 112 (2016), doi:10.1016/j.enbuild.2015.11.071',
};

/** A consumer indoor weather station's CO₂ in homes. */
export const OCCUPANCY_FROM_HOME_CO2: InferenceFinding = {
  resolution: "a home weather station's CO₂ readings (11 rooms in 3 homes)",
  finding: 'whether each room was occupied inferred, well above 75% accuracy in most rooms',
  source:
    'Wörner, von Bomhard, Röschlin, Wortmann, "Look Twice: Uncover Hidden Information in Room Climate Sensor Data", IoT 2014',
};

export const PRESENCE_FROM_CO2: InferenceFinding = {
  resolution: 'CO₂ fluctuations',
  finding: 'presence or absence of people indoors detected with up to 97% accuracy',
  source: 'Frontiers in Robotics and AI 2023, doi:10.3389/frobt.2023.1280745',
};

/** A single smart water meter at the inlet. */
export const WATER_END_USES: InferenceFinding = {
  resolution: '1–5 s (one meter at the inlet, a four-person home)',
  finding:
    'six uses told apart (toilet, shower, washing machine, taps…) with a weighted F-score above 0.85; showers and washing-machine runs still at coarser resolutions',
  source:
    'Heydari, Cominola, Stillwell, Environ. Res.: Infrastruct. Sustain. 2 (2022) 045004, doi:10.1088/2634-4505/ac8a6b',
};

/** Combined utility readings. */
export const UTILITIES_COMBINED: InferenceFinding = {
  resolution: 'gas, water and electricity readings together',
  finding: "a household's cooking patterns, from the correlated use of electricity, gas and water",
  source: 'Danezis, "Privacy Technology Options for Protecting and Processing Utility Readings", 2013',
};

/** Location traces. */
export const LOCATION_UNICITY: InferenceFinding = {
  resolution: 'hourly, to the nearest mobile mast',
  finding: '4 places and times single out 95% of 1.5 million people; coarser data gives little anonymity',
  source: 'de Montjoye, Hidalgo, Verleysen, Blondel, Scientific Reports 3:1376 (2013), doi:10.1038/srep01376',
};
