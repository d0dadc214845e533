import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { validateManifest } from '../../../apps-sdk/src/manifest.ts';
import { promptConsent } from '../../../box/apps/consent-prompt.ts';
import { Store } from '../../../box/store/store.ts';
import { saveTimeSettings } from '../../../box/time/time-settings.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function energyInsights() {
  const parsed = validateManifest(
    JSON.parse(readFileSync(join(REPO_ROOT, 'examples/energy-insights/databox-app.json'), 'utf8')),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.manifest;
}

/** Runs the terminal prompt with scripted answers; returns what it printed and asked, and the choices. */
async function prompt(timeZone: string, answers: string[]) {
  const store = Store.open(':memory:');
  stores.push(store);
  saveTimeSettings(store, { timeZone, locale: 'en-GB' });
  store.createDatasource(
    { id: 'house.power', kind: 'electricity.import.power', unit: 'W', valueType: 'gauge' },
    'user',
  );
  const shown: string[] = [];
  const choices = await promptConsent(
    {
      ask: async (q) => {
        shown.push(q);
        return answers.shift() ?? '';
      },
      print: (t) => shown.push(t),
    },
    store,
    energyInsights(),
    { requests: {} },
    false,
  );
  return { shown: shown.join('\n'), choices };
}

it('asks in plain words, takes numbered answers and returns the machine values', async () => {
  // datasource: default; how detailed: 2 (every hour); how far back: 3 (30 days); destination: no;
  // time zone: yes; exports: 2 (send automatically); expiry: 1 (1 month)
  const { shown, choices } = await prompt('Europe/Amsterdam', ['', '2', '3', 'n', 'y', '2', '1']);
  // the box's zone, named, with what it reveals and what declining costs
  expect(shown).toContain("Your time zone (Europe/Amsterdam): So that 'evening' means your evening");
  expect(shown).toContain('It tells the app roughly where in the world you live');
  expect(shown).toContain('If you decline: Energy insights works in UTC and labels its times "(UTC)"');
  expect(shown).not.toMatch(/\bP\d+[YMWD]\b|\bPT\d|Δt|\b\d+(min|h|d)\b|\braw\b/);
  expect(shown).toContain('going back 90 days');
  expect(shown).toContain('    2) every hour');
  expect(shown).toContain('What an app could learn from electricity use every hour');
  expect(shown).toContain('If you do not allow it, nothing is sent to energy-coop.example');
  expect(shown).not.toContain('Smart Energy Code');
  expect(choices).toEqual({
    requests: { power: { datasource: 'house.power', resolution: '1h', history: 'P30D' } },
    destinations: [],
    expires: 'P1M',
    exportMode: 'auto',
    timeZone: true,
  });
});

it('shows the GB note for the same meter on a box in Great Britain, and keeps defaults on empty answers', async () => {
  const { shown, choices } = await prompt('Europe/London', ['', '', '', 'y', '', '', '']);
  expect(shown).toContain('  1) let me review each one before it is sent');
  expect(shown).toContain('supply licence condition 47');
  expect(choices).toEqual({
    requests: { power: { datasource: 'house.power', resolution: '30min', history: 'P90D' } },
    destinations: ['monthly-summary'],
    expires: 'P1Y',
    exportMode: 'review',
    // sharing the zone is asked, and an empty answer is no
    timeZone: false,
  });
});
