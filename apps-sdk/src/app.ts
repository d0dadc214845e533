/**
 * The part of the SDK that app code runs with: `defineApp`, the typed context, the wire types and
 * the shared rules. Platform-neutral (no Node built-ins, no ajv), so isolate bundles stay small.
 *
 * @example
 * ```ts
 * import { defineApp } from 'databox-apps-sdk/app';
 * export default defineApp(async (ctx) => {
 *   await ctx.log.info(`granted: ${(await ctx.data.grants()).map((g) => g.request).join(', ')}`);
 * });
 * ```
 */
export { AGGREGATES, type Aggregate, defaultAggregate, type NumericValueType } from './aggregates.ts';
export { AppApiError, type AppApiErrorCode } from './app-api-error.ts';
export { parseSettingAssignment, settingsDefaults } from './app-settings.ts';
export type { AnyAppTypes, AppTypes } from './app-types.ts';
export {
  type AppContext,
  createAppContext,
  type EventsOptions,
  type KvReadOptions,
  type ReadOptions,
} from './context.ts';
export { type AppMain, type DataboxApp, defineApp } from './define-app.ts';
export { durationMs, isDuration } from './duration.ts';
export { type LocalClock, localClock } from './local-clock.ts';
export * from './manifest.ts';
export {
  MIN_READINGS_PER_BUCKET,
  planRead,
  type ReadGrant,
  type ReadPlan,
  type ReadRule,
  ReadRuleError,
  readRulesText,
  servePoints,
} from './read-rules.ts';
export {
  type EventCursor,
  type EventPlan,
  formatEventCursor,
  kvEntryVisible,
  MAX_EVENTS_PER_READ,
  MAX_KV_ENTRIES_PER_READ,
  planEventRead,
} from './record-rules.ts';
export * from './resolution.ts';
export * from './wire.ts';
