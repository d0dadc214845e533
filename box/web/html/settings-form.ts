import { html } from 'hono/html';
import { BadRequestError } from '../../errors.ts';
import { csrfField } from './page.ts';

type Html = ReturnType<typeof html>;

/** One property of an app's settings schema, as far as the form needs it (the schema is the app's: untrusted). */
interface SettingSchema {
  type?: unknown;
  enum?: unknown;
  title?: unknown;
  description?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  maxLength?: unknown;
  default?: unknown;
}

type Field = 'number' | 'integer' | 'boolean' | 'enum' | 'string' | 'json';

function fieldOf(schema: SettingSchema): Field {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return 'enum';
  if (schema.type === 'number' || schema.type === 'integer' || schema.type === 'boolean') return schema.type;
  if (schema.type === 'string') return 'string';
  return 'json'; // objects, arrays, unions: edited as JSON text
}

function propertiesOf(schema: Record<string, unknown> | undefined): Array<[string, SettingSchema]> {
  const properties = (schema?.properties ?? {}) as Record<string, unknown>;
  return Object.entries(properties).map(([name, sub]) => [
    name,
    typeof sub === 'object' && sub !== null ? (sub as SettingSchema) : {},
  ]);
}

const str = (v: unknown, max = 500): string | undefined =>
  typeof v === 'string' ? v.slice(0, max) : undefined;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function input(name: string, schema: SettingSchema, value: unknown): Html {
  const id = `setting-${name}`;
  const field = fieldOf(schema);
  if (field === 'boolean')
    return html`<input type="checkbox" id="${id}" name="${name}" value="true"${value === true ? ' checked' : ''}>`;
  if (field === 'enum')
    return html`<select id="${id}" name="${name}">${(schema.enum as unknown[]).map((option) => {
      const encoded = JSON.stringify(option);
      return html`<option value="${encoded}"${encoded === JSON.stringify(value) ? ' selected' : ''}>${typeof option === 'string' ? option : encoded}</option>`;
    })}</select>`;
  if (field === 'number' || field === 'integer') {
    const min = num(schema.minimum);
    const max = num(schema.maximum);
    return html`<input type="number" id="${id}" name="${name}" value="${typeof value === 'number' ? String(value) : ''}" step="${field === 'integer' ? '1' : 'any'}"${min === undefined ? '' : html` min="${min}"`}${max === undefined ? '' : html` max="${max}"`}>`;
  }
  if (field === 'string') {
    const max = num(schema.maxLength);
    return html`<input type="text" id="${id}" name="${name}" value="${typeof value === 'string' ? value : ''}"${max === undefined ? '' : html` maxlength="${max}"`}>`;
  }
  return html`<textarea id="${id}" name="${name}" rows="3">${JSON.stringify(value ?? null, null, 2)}</textarea>`;
}

/**
 * The form of an app's settings, generated from the manifest's settings JSON Schema: one field
 * per property (number, whole number, on/off, a choice of its `enum`, text, or JSON for anything
 * else), labelled with its `title` (else its name) and its `description`, the default shown, and a
 * "back to the default" box. Posts to `/apps/:id/settings`. Nothing of the schema runs here: it
 * only picks the kind of field (the box validates in a worker).
 *
 * @example
 * settingsForm('energy-insights', manifest.settings, appSettings(store, id, manifest), csrf);
 */
export function settingsForm(
  appId: string,
  schema: Record<string, unknown> | undefined,
  values: Record<string, unknown>,
  csrf: string,
): Html {
  const fields = propertiesOf(schema);
  if (fields.length === 0) return html`<p>This app has no settings.</p>`;
  return html`<form method="post" action="/apps/${appId}/settings" class="card settings-form">${csrfField(csrf)}
${fields.map(
  ([name, sub]) => html`<div class="field">
  <label for="setting-${name}">${str(sub.title, 200) ?? name}</label>
  ${input(name, sub, values[name])}
  ${str(sub.description) ? html`<small>${str(sub.description)}</small>` : ''}
  <small>Default: <code>${JSON.stringify(sub.default ?? null)}</code> <label class="inline"><input type="checkbox" name="reset" value="${name}"> back to the default</label></small>
</div>`,
)}
<div><button type="submit">Save settings</button></div>
</form>`;
}

/**
 * Reads the posted form back into settings: each field converted by its schema type, only the
 * settings whose value changed in `set`, the ones ticked "back to the default" in `reset`.
 *
 * @example
 * const { set, reset } = readSettingsForm(manifest.settings, await c.req.parseBody({ all: true }), current);
 * @throws BadRequestError naming the setting whose text is not a number or not JSON.
 */
export function readSettingsForm(
  schema: Record<string, unknown> | undefined,
  form: Record<string, unknown>,
  current: Record<string, unknown>,
): { set: Record<string, unknown>; reset: string[] } {
  const ticked = form.reset;
  const reset = (Array.isArray(ticked) ? ticked : ticked === undefined ? [] : [ticked]).filter(
    (r): r is string => typeof r === 'string',
  );
  const set: Record<string, unknown> = {};
  for (const [name, sub] of propertiesOf(schema)) {
    if (reset.includes(name)) continue;
    const raw = form[name];
    const value = convert(name, fieldOf(sub), typeof raw === 'string' ? raw : undefined);
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(current[name])) set[name] = value;
  }
  return { set, reset };
}

function convert(name: string, field: Field, raw: string | undefined): unknown {
  if (field === 'boolean') return raw === 'true';
  if (raw === undefined) return undefined;
  if (field === 'string') return raw;
  if (field === 'number' || field === 'integer') {
    if (raw.trim() === '') throw new BadRequestError(`setting "${name}": a number is needed`);
    const n = Number(raw);
    if (!Number.isFinite(n))
      throw new BadRequestError(`setting "${name}": "${raw.slice(0, 40)}" is not a number`);
    return n;
  }
  try {
    return JSON.parse(raw); // enum options are sent as JSON, so 2 and "2" stay apart
  } catch {
    throw new BadRequestError(`setting "${name}": not valid JSON`);
  }
}
