/**
 * What an app's manifest declares, as types: its request names, insight keys and export
 * destinations with their payloads. `databox app types` writes one for an app
 * (`src/databox-app.d.ts`, from `databox-app.json`), and `defineApp<Types>(…)` makes the context
 * check against it, so a wrong request name, insight key, destination or payload is a compile
 * error instead of a refusal at run time.
 *
 * @example
 * ```ts
 * interface MyApp extends AppTypes {
 *   requests: 'power';
 *   insights: 'week-power';
 *   exports: { summary: { kwh: number } };
 * }
 * export default defineApp<MyApp>(async (ctx) => {
 *   await ctx.data.read('power');
 *   await ctx.data.read('gas'); // compile error: '"gas"' is not assignable to '"power"'
 * });
 * ```
 */
export interface AppTypes {
  /** The manifest's request names. */
  requests: string;
  /** The manifest's insight keys. */
  insights: string;
  /** Each export destination id and the type of its payload. */
  exports: Record<string, unknown>;
  /** The app's settings (from the manifest's `settings` schema). */
  settings: Record<string, unknown>;
}

/** The types of an app whose manifest is not known to the compiler: any name, any payload. */
export interface AnyAppTypes extends AppTypes {
  requests: string;
  insights: string;
  exports: Record<string, unknown>;
  settings: Record<string, unknown>;
}
