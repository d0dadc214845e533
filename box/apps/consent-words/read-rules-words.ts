import { MIN_READINGS_PER_BUCKET, type ReadGrant } from '../../../apps-sdk/src/read-rules.ts';
import { resolutionWords } from './plain-durations.ts';

/**
 * The arbiter's read rules (`readRulesText` in the SDK, for developers) in the householder's
 * words: only periods that have ended, on boundaries the box fixes, sparse ones left out, and
 * whether the number of readings comes along.
 *
 * @example
 * ```ts
 * readRulesWords({ resolution: '30min', aggregates: ['mean'] }, 'en-GB');
 * // 'The app gets one value every 30 minutes, only for half hours … that have ended: …'
 * ```
 */
export function readRulesWords(grant: Pick<ReadGrant, 'resolution' | 'aggregates'>, locale: string): string {
  if (grant.resolution === 'raw')
    return 'The app gets every reading as it was stored, up to the moment it reads.';
  const count = grant.aggregates.includes('count')
    ? 'with how many readings went into each (the app asked for that)'
    : 'without saying how many readings went into each';
  return `The app gets one value ${resolutionWords(grant.resolution, locale)}, only for periods that have ended and on boundaries the box sets, never the one still filling. Periods with fewer than ${MIN_READINGS_PER_BUCKET} readings are left out. Values come ${count}.`;
}
