/**
 * The Databox apps SDK: everything app code, tests and tools use.
 *
 * App code (bundled into an isolate or container) should import from `./app.ts`, which carries no
 * Node-only tooling; tests and tools import from here.
 *
 * @example
 * ```ts
 * import { defineApp, runLocally, checkApp, buildIsolateApp } from 'databox-apps-sdk';
 * ```
 */
export * from './app.ts';
export { type BuildResult, buildApp, buildContainerApp, buildIsolateApp } from './build-app.ts';
export { type CheckAppResult, checkApp, MANIFEST_FILE } from './check-app.ts';
export { APP_TYPES_FILE, generateAppTypes, schemaToType } from './generate-app-types.ts';
export { LocalBox, type LocalExport, type LocalGrant, type LocalRecord } from './local-box.ts';
export { LocalSeries, type RawReading } from './local-series.ts';
export { manifestJsonSchema } from './manifest-json-schema.ts';
export {
  createLocalBox,
  type LocalData,
  type LocalGrantChoice,
  type LocalRunResult,
  type RunLocallyOptions,
  runLocally,
} from './run-locally.ts';
