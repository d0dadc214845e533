/**
 * App settings: the manifest's `settings` is a JSON Schema of an object whose properties each
 * give a `default`; the householder's values go over the defaults, and the app reads the result
 * with `settings.get`. Shared by the box and `runLocally`.
 */

/**
 * The defaults of a settings schema, by property.
 *
 * @example
 * ```ts
 * settingsDefaults({ type: 'object', properties: { tariff: { type: 'number', default: 0.28 } } }); // { tariff: 0.28 }
 * ```
 */
export function settingsDefaults(schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const properties = (schema?.properties ?? {}) as Record<string, { default?: unknown }>;
  const out: Record<string, unknown> = {};
  for (const [name, sub] of Object.entries(properties)) out[name] = structuredClone(sub?.default ?? null);
  return out;
}

/**
 * Parses `NAME=VALUE` from the command line: the value as JSON when it parses (`0.28`, `true`,
 * `"x"`, `[1,2]`), else as a plain string (`tariff=economy7`).
 *
 * @example
 * ```ts
 * parseSettingAssignment('threshold=2500'); // ['threshold', 2500]
 * ```
 * @throws Error for text without `=` or an empty name.
 */
export function parseSettingAssignment(text: string): [string, unknown] {
  const at = text.indexOf('=');
  if (at <= 0) throw new Error(`"${text}" is not NAME=VALUE`);
  const name = text.slice(0, at);
  const raw = text.slice(at + 1);
  try {
    return [name, JSON.parse(raw)];
  } catch {
    return [name, raw];
  }
}
