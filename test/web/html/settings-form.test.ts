import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../box/errors.ts';
import { readSettingsForm, settingsForm } from '../../../box/web/html/settings-form.ts';

const SCHEMA = {
  type: 'object',
  properties: {
    tariff: { type: 'number', minimum: 0, default: 0.28, title: 'Tariff (€/kWh)' },
    days: { type: 'integer', default: 7 },
    mode: { enum: ['flat', 2], default: 'flat' },
    notify: { type: 'boolean', default: false },
    label: { type: 'string', default: 'home' },
    hours: { type: 'array', items: { type: 'integer' }, default: [17, 18] },
  },
};
const CURRENT = { tariff: 0.28, days: 7, mode: 'flat', notify: false, label: 'home', hours: [17, 18] };
const FORM = { tariff: '0.28', days: '7', mode: '"flat"', label: 'home', hours: '[17, 18]' };

describe('readSettingsForm', () => {
  it('converts each field by its schema type and sends only what changed', () => {
    expect(readSettingsForm(SCHEMA, FORM, CURRENT)).toEqual({ set: {}, reset: [] });
    const changed = { ...FORM, tariff: '0.31', mode: '2', notify: 'true', hours: '[7]' };
    expect(readSettingsForm(SCHEMA, changed, CURRENT)).toEqual({
      set: { tariff: 0.31, mode: 2, notify: true, hours: [7] }, // the enum's 2 stays a number
      reset: [],
    });
  });

  it('takes the ticked "back to the default" boxes, one or many', () => {
    expect(readSettingsForm(SCHEMA, { ...FORM, tariff: '9', reset: 'tariff' }, CURRENT)).toEqual({
      set: {},
      reset: ['tariff'],
    });
    expect(readSettingsForm(SCHEMA, { ...FORM, reset: ['days', 'label'] }, CURRENT).reset).toEqual([
      'days',
      'label',
    ]);
  });

  it('names the setting whose text is not a number or not JSON', () => {
    expect(() => readSettingsForm(SCHEMA, { ...FORM, tariff: 'cheap' }, CURRENT)).toThrow(
      new BadRequestError('setting "tariff": "cheap" is not a number'),
    );
    expect(() => readSettingsForm(SCHEMA, { ...FORM, days: ' ' }, CURRENT)).toThrow(
      'setting "days": a number is needed',
    );
    expect(() => readSettingsForm(SCHEMA, { ...FORM, hours: '[17,' }, CURRENT)).toThrow(
      'setting "hours": not valid JSON',
    );
  });
});

describe('settingsForm', () => {
  it('makes a field per property: number with bounds, choice, checkbox, text, JSON', () => {
    const page = String(settingsForm('tuned', SCHEMA, { ...CURRENT, notify: true }, 'csrf-1'));
    expect(page).toContain('<label for="setting-tariff">Tariff (€/kWh)</label>');
    expect(page).toMatch(
      /<input type="number" id="setting-tariff" name="tariff" value="0.28" step="any" min="0">/,
    );
    expect(page).toMatch(/<input type="number" id="setting-days" name="days" value="7" step="1">/);
    expect(page).toContain(
      '<option value="&quot;flat&quot;" selected>flat</option><option value="2">2</option>',
    );
    expect(page).toContain('<input type="checkbox" id="setting-notify" name="notify" value="true" checked>');
    expect(page).toContain('<textarea id="setting-hours" name="hours" rows="3">');
    expect(page).toContain('action="/apps/tuned/settings"');
  });

  it('shows a hostile schema as text: markup in a title, description or default runs nothing', () => {
    const hostile = {
      type: 'object',
      properties: {
        x: {
          type: 'string',
          title: '<img src=x onerror=alert(1)>',
          description: '<script>steal()</script>',
          default: '"><script>alert(2)</script>',
        },
      },
    };
    const page = String(settingsForm('evil', hostile, { x: '"><b>y</b>' }, 'csrf-1'));
    expect(page).not.toMatch(/<img|<script|<b>/);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('value="&quot;&gt;&lt;b&gt;y&lt;/b&gt;"');
  });

  it('says when an app has no settings', () => {
    expect(String(settingsForm('plain', undefined, {}, 'c'))).toBe('<p>This app has no settings.</p>');
  });
});
