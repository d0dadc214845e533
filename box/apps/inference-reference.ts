/**
 * What research has shown can be inferred from household electricity data at each resolution,
 * copied (with its citations) from `shared/reference/smart-meter-inference.md` so that the box can
 * show it on the consent screen and put it into consent receipts without that file being present.
 * Keep each citation next to any sentence the product shows.
 */
import type { ReadResolution } from '../store/types.ts';

export interface InferenceFinding {
  /** The sampling interval the finding was made at, as the source states it. */
  resolution: string;
  finding: string;
  source: string;
}

/** The research table, finest first. */
export const INFERENCE_FINDINGS: readonly InferenceFinding[] = [
  {
    resolution: '~1 kHz',
    finding: 'most appliance switching events detectable; little gain above this rate',
    source: 'Energy Informatics 2019, doi:10.1186/s42162-019-0096-9',
  },
  {
    resolution: '0.5–2 s',
    finding: 'the TV channel or film being watched identified from a 5-minute chunk',
    source:
      'Greveler et al. 2012 (Ruhr-Uni Bochum); Schirmer et al. 2021, Energies 14(9):2485, doi:10.3390/en14092485 (93.6% channel identification)',
  },
  {
    resolution: '1 s',
    finding: 'how many people are home, sleep and meal routines, without training data',
    source: 'Molina-Markham et al., "Private Memoirs of a Smart Meter", BuildSys 2010',
  },
  {
    resolution: '1 s',
    finding: 'occupancy detected with 83–94% accuracy (ECO data set)',
    source: 'Kleiminger, Beckel, Santini, UbiComp 2015',
  },
  {
    // the reference writes "any interval Δt … once Δt exceeds …": the same finding in plain words
    resolution: 'any interval',
    finding:
      "an appliance's use can no longer be detected once the interval is longer than about half the time the appliance is on",
    source: 'Eibl & Engel, IEEE Trans. Smart Grid 2015, doi:10.1109/TSG.2014.2376613',
  },
  {
    resolution: '30 min',
    finding:
      'socio-economic, dwelling and appliance traits of 4,232 Irish homes: over 70% accuracy for many, over 80% for some',
    source: 'Beckel et al., Energy and Buildings 2014',
  },
  {
    resolution: '30 min (CER Irish trial, >5,000 homes)',
    finding: 'present and future occupancy',
    source: 'Razavi et al., Energy and Buildings 2019, doi:10.1016/j.enbuild.2018.11.025',
  },
  {
    resolution: 'hourly / daily',
    finding: '11 household characteristics, up to 95% (69% on average)',
    source: 'Hopf et al. 2018, doi:10.1007/s12525-018-0290-9',
  },
];

/** The plain-language reading for the consent screen at one granted resolution. */
export interface InferenceSummary {
  resolution: ReadResolution;
  /** What an app could learn at this resolution (the reference's "practical reading"). */
  summary: string;
  /** The findings behind the summary, with their sources. */
  findings: InferenceFinding[];
}

const SUMMARIES: Record<ReadResolution, { summary: string; findings: number[] }> = {
  raw: {
    summary:
      'Appliance-level use and daily routines are visible (kettle, TV, showers, when people wake); at second-level sampling even the TV channel being watched can be identified.',
    findings: [0, 1, 2, 3, 4],
  },
  '1min': {
    summary: 'Occupancy (who is home, when) is visible; short appliance uses mostly are not.',
    findings: [3, 4],
  },
  '5min': {
    summary: 'Occupancy (who is home, when) is visible; short appliance uses mostly are not.',
    findings: [3, 4],
  },
  '15min': {
    summary: 'Occupancy (who is home, when) is visible; short appliance uses mostly are not.',
    findings: [3, 4],
  },
  '30min': {
    summary:
      'Occupancy patterns and household traits remain inferable; appliances used for less than about an hour are not separable.',
    findings: [4, 5, 6],
  },
  '1h': {
    summary: 'Consumption trends and tariff comparison; household size and some traits still leak.',
    findings: [4, 7],
  },
  '1d': {
    summary: 'Consumption trends and tariff comparison; household size and some traits still leak.',
    findings: [7],
  },
};

/** The GB rule the consent screen cites for anything finer than daily. */
export const GB_CONSENT_NOTE =
  "The GB smart-energy code treats consumption data finer than daily as needing the customer's explicit consent (Smart Energy Code / supply licence condition 47).";

/**
 * What can be inferred at `resolution`, for the consent screen and receipts. Coarser is not
 * "safe": even daily data reveals household traits.
 *
 * @example
 * inferenceAt('30min').summary; // 'Occupancy patterns and household traits remain inferable; …'
 */
export function inferenceAt(resolution: ReadResolution): InferenceSummary {
  const entry = SUMMARIES[resolution];
  return {
    resolution,
    summary: entry.summary,
    findings: entry.findings.map((i) => INFERENCE_FINDINGS[i]),
  };
}

/**
 * What research has shown wearable health data (steps, heart rate, sleep, workouts: the
 * `health.*` kinds of the Apple Health import) reveals. Unlike meter data it is about one
 * person's body, and it is health data under data-protection law (GDPR art. 9) at any resolution.
 */
export const HEALTH_FINDINGS: readonly InferenceFinding[] = [
  {
    resolution: '20 min (accelerometer activity, with age and sex)',
    finding: 'about 95% of 4,720 adults re-identified from "de-identified" activity records',
    source: 'Na et al., JAMA Network Open 2018, doi:10.1001/jamanetworkopen.2018.6040',
  },
  {
    resolution: 'minute-level heart rate and steps (smartwatch)',
    finding:
      'infection flagged in 80% of infected participants, a median 3 days before symptoms; stress, alcohol and travel also showed',
    source: 'Alavi et al., Nature Medicine 2021, doi:10.1038/s41591-021-01593-2',
  },
  {
    resolution: 'daily heart rate, steps and sleep (smartwatch)',
    finding:
      'illness changed heart rate, steps and sleep in 80% of COVID-19 cases, some 9 or more days before symptoms',
    source: 'Mishra et al., medRxiv 2020, doi:10.1101/2020.07.06.20147512',
  },
];

const HEALTH_SUMMARY = {
  fine: 'Health data about one person: when they sleep, wake and exercise, and illness (even before symptoms), stress, drinking and travel show in heart rate, steps and sleep; minute-level activity can identify the person.',
  daily:
    'Daily health totals still show illness, sleep habits and changes of routine, and identify a person over weeks; they remain health data.',
};

/**
 * The inference text for a datasource kind at `resolution`: the meter research for
 * `electricity.*`, the wearable research for `health.*`, `null` for kinds with no table.
 *
 * @example
 * ```ts
 * inferenceForKind('health.heart_rate', '1h')?.findings[1].source; // 'Alavi et al., Nature Medicine 2021, …'
 * ```
 */
export function inferenceForKind(kind: string, resolution: ReadResolution): InferenceSummary | null {
  if (kind.startsWith('electricity.')) return inferenceAt(resolution);
  if (!kind.startsWith('health.')) return null;
  const daily = resolution === '1d';
  return {
    resolution,
    summary: daily ? HEALTH_SUMMARY.daily : HEALTH_SUMMARY.fine,
    findings: daily ? [HEALTH_FINDINGS[0], HEALTH_FINDINGS[2]] : [...HEALTH_FINDINGS],
  };
}
