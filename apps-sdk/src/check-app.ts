import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { type ExportCapacity, exportCapacity } from './export-capacity.ts';
import { type ManifestIssue, type ValidateManifestOptions, validateManifest } from './manifest.ts';
import { finestOf, isFinerThan } from './resolution.ts';

/**
 * The manifest's file name in an app folder.
 *
 * @example
 * ```ts
 * const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
 * ```
 */
export const MANIFEST_FILE = 'databox-app.json';

export interface CheckAppResult {
  ok: boolean;
  errors: ManifestIssue[];
  /** Things that work but a householder or reviewer will question. */
  warnings: ManifestIssue[];
  /** Per export destination, the most it can send (as the consent screen shows it). */
  exports: Array<{ id: string; url: string; capacity: ExportCapacity }>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Keywords whose strings are matched with `format`: the box checks none of them. */
function formatsIn(node: unknown, path: string, out: ManifestIssue[]): void {
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'format' && typeof value === 'string')
      out.push({
        path: `${path}.format`,
        message: `"${value}" is not checked by the box (an annotation only); use pattern or maxLength`,
      });
    else if (key !== 'const' && key !== 'enum' && key !== 'default' && key !== 'examples')
      formatsIn(value, `${path}.${key}`, out);
  }
}

/**
 * Checks an app folder as `databox app check DIR` does: the manifest parses and validates (every
 * error listed: unsafe patterns, oversized schemas, unbounded export schemas, and export URLs
 * `options.checkExportUrl` refuses), the isolate entry file exists, and every insight and export
 * JSON Schema compiles. Lists what each export destination can send at most.
 *
 * @example
 * ```ts
 * const { ok, errors, warnings } = await checkApp('examples/energy-insights');
 * for (const e of errors) console.error(`error ${e.path}: ${e.message}`);
 * for (const w of warnings) console.warn(`warning ${w.path}: ${w.message}`);
 * ```
 */
export async function checkApp(dir: string, options: ValidateManifestOptions = {}): Promise<CheckAppResult> {
  const errors: ManifestIssue[] = [];
  const warnings: ManifestIssue[] = [];
  const exports: CheckAppResult['exports'] = [];
  const file = join(resolve(dir), MANIFEST_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const message =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `${file} does not exist`
        : (error as Error).message;
    return { ok: false, errors: [{ path: MANIFEST_FILE, message }], warnings, exports };
  }
  const result = validateManifest(json, options);
  if (!result.ok) return { ok: false, errors: result.errors, warnings, exports };
  const manifest = result.manifest;

  if (manifest.runtime.type === 'isolate') {
    if (!(await exists(join(resolve(dir), manifest.runtime.entry))))
      errors.push({
        path: 'runtime.entry',
        message: `${manifest.runtime.entry} does not exist: run databox app build`,
      });
  } else {
    warnings.push({
      path: 'runtime.image',
      message: `image ${manifest.runtime.image} must exist on the box (checked at install)`,
    });
  }

  const ajv = new Ajv({ allErrors: true, strict: false });
  const compile = (path: string, schema: Record<string, unknown>) => {
    try {
      ajv.compile(schema);
    } catch (error) {
      errors.push({ path, message: `is not a valid JSON Schema: ${(error as Error).message}` });
    }
  };
  manifest.insights.forEach((insight, i) => {
    if (insight.schema) compile(`insights[${i}].schema`, insight.schema);
    formatsIn(insight.schema, `insights[${i}].schema`, warnings);
  });
  manifest.exports.forEach((exp, i) => {
    compile(`exports[${i}].schema`, exp.schema);
    formatsIn(exp.schema, `exports[${i}].schema`, warnings);
    exports.push({ id: exp.id, url: exp.url, capacity: exportCapacity(exp) });
  });

  manifest.requests.forEach((request, i) => {
    const finest = finestOf(request.resolutions.map((r) => r.resolution));
    if (isFinerThan(finest, '1min'))
      warnings.push({
        path: `requests[${i}].resolutions`,
        message: `asks for ${finest} data, granted as raw readings: appliance use and daily routines are visible at this resolution; expect householders to decline or grant coarser`,
      });
  });
  if (manifest.insights.length === 0)
    warnings.push({
      path: 'insights',
      message: 'declares no insights: the householder will see nothing from this app',
    });
  return { ok: errors.length === 0, errors, warnings, exports };
}
