/**
 * ISO 8601 durations (`P30D`, `PT6H`, `P1Y`) for retention settings, grants and manifests. The
 * box and apps must read them identically, so this is the apps-sdk's parser under the box's names
 * (calendar units fixed: a year is 365 days, a month 30 days, a week 7 days).
 *
 * @example
 * parseIsoDuration('P30D'); // 2_592_000_000
 * isIsoDuration('30 days'); // false
 */
export { durationMs as parseIsoDuration, isDuration as isIsoDuration } from '../../apps-sdk/src/duration.ts';
