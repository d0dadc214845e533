import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Manifest, validateManifest } from '../../../apps-sdk/src/manifest.ts';
import { MANIFEST_RESOLUTIONS } from '../../../apps-sdk/src/resolution.ts';
import { DATA_FAMILIES, type DataFamily, familyOf } from '../../../box/apps/consent-words/data-kinds.ts';
import { destinationLoss, requestLoss } from '../../../box/apps/consent-words/declined-losses.ts';
import { riskFor } from '../../../box/apps/consent-words/kind-risks.ts';
import {
  durationWords,
  everyWords,
  resolutionWords,
  valuesWords,
} from '../../../box/apps/consent-words/plain-durations.ts';
import { regulatoryNote } from '../../../box/apps/consent-words/regulatory-note.ts';
import { READ_RESOLUTIONS } from '../../../box/store/types.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';

/** What a person must never be shown: ISO 8601 durations, resolution names, the reference's symbols. */
const MACHINE_WORDS = /\bP(T?\d)|\bPT\d|Δt|\b\d+(min|h|d|s)\b|\braw\b/;
/** Citations of the smart-meter research (shared/reference/smart-meter-inference.md). */
const METER_RESEARCH = /Beckel|Molina-Markham|Kleiminger|Greveler|Razavi|Hopf|Eibl|Energy Informatics/;

/** One real kind per family, as the drivers create them. */
const KINDS: Record<DataFamily, string[]> = {
  electricity: [
    'electricity.import.power',
    'electricity.import.energy',
    'cost.electricity.import.energy.interval',
  ],
  gas: ['gas.volume', 'gas.energy.interval', 'heat.energy'],
  water: ['water.volume', 'water.hot.volume'],
  occupancy: ['occupancy', 'presence', 'motion'],
  contact: ['contact', 'door'],
  temperature: ['temperature'],
  humidity: ['humidity'],
  air: ['co2'],
  light: ['illuminance'],
  location: ['location'],
  health: ['health.steps', 'health.heart_rate', 'health.sleep.asleep_deep'],
  price: ['price.electricity.import'],
  device: ['battery', 'battery.voltage', 'electricity.power-failures', 'electricity.breaker', 'water_leak'],
  other: ['record', 'something.new'],
};

describe('risk text per data kind and resolution', () => {
  it('files every kind the drivers make under its family', () => {
    for (const family of DATA_FAMILIES)
      for (const kind of KINDS[family]) expect([kind, familyOf(kind)]).toEqual([kind, family]);
  });

  it('has text for every kind at every resolution, in plain words, with sources where it cites', () => {
    for (const family of DATA_FAMILIES)
      for (const kind of KINDS[family])
        for (const resolution of READ_RESOLUTIONS) {
          const risk = riskFor(kind, resolution);
          const where = `${kind} at ${resolution}`;
          expect(risk.summary.length, where).toBeGreaterThan(30);
          expect(risk.summary, where).not.toMatch(MACHINE_WORDS);
          for (const f of risk.findings) {
            expect(f.source.length, where).toBeGreaterThan(10);
            expect(`${f.resolution} ${f.finding}`, where).not.toMatch(/Δt/);
          }
          // only electricity gets the smart-meter research
          if (family !== 'electricity') expect(JSON.stringify(risk), where).not.toMatch(METER_RESEARCH);
        }
  });

  it('changes with the resolution: finer says more', () => {
    for (const family of ['electricity', 'gas', 'water', 'occupancy', 'temperature'] as const) {
      const texts = new Set(READ_RESOLUTIONS.map((r) => riskFor(KINDS[family][0], r).summary));
      expect(texts.size, family).toBeGreaterThanOrEqual(3);
    }
  });

  it('says an occupancy request reveals when the house is empty, at every resolution', () => {
    for (const kind of KINDS.occupancy)
      for (const resolution of READ_RESOLUTIONS)
        expect(riskFor(kind, resolution).summary, `${kind} ${resolution}`).toMatch(/house.*empty/);
  });

  it('gives a bedroom temperature sensor heating and sleep text, not smart-meter research', () => {
    const bedroom = riskFor('temperature', '30min', 'bedroom');
    expect(bedroom.summary).toMatch(/heating schedule/);
    expect(JSON.stringify(bedroom)).not.toMatch(METER_RESEARCH);
    expect(riskFor('temperature', '5min', 'bedroom').summary).toMatch(
      /in a bedroom, when someone sleeps there/,
    );
    expect(riskFor('temperature', '5min', 'outdoor').summary).toMatch(/^Outdoor weather says almost nothing/);
    // the meter text is still there for the meter
    expect(
      riskFor('electricity.import.power', '30min')
        .findings.map((f) => f.source)
        .join(),
    ).toMatch(/Beckel/);
  });
});

describe('durations and resolutions in words', () => {
  it('writes ISO durations as a person says them, numbers in the box locale', () => {
    expect(durationWords('P90D', 'en-GB')).toBe('90 days');
    expect(durationWords('P1Y', 'en-GB')).toBe('1 year');
    expect(durationWords('P3M', 'en-GB')).toBe('3 months');
    expect(durationWords('P2W', 'en-GB')).toBe('2 weeks');
    expect(durationWords('PT12H', 'en-GB')).toBe('12 hours');
    expect(durationWords('P1DT12H', 'en-GB')).toBe('1 day and 12 hours');
    expect(durationWords('P1Y2M3D', 'en-US')).toBe('1 year, 2 months, and 3 days');
    expect(durationWords('P1000D', 'de-DE')).toBe('1.000 days');
    expect(durationWords('P1.5D', 'nl-NL')).toBe('1,5 days');
    expect(() => durationWords('90 days', 'en-GB')).toThrow(/"90 days" is not an ISO 8601 duration/);
    expect(everyWords('P1D', 'en-GB')).toBe('every day');
    expect(everyWords('PT6H', 'en-GB')).toBe('every 6 hours');
  });

  it('writes every resolution a manifest may list without its machine name', () => {
    const words = MANIFEST_RESOLUTIONS.map((r) => resolutionWords(r, 'en-GB'));
    expect(words).toEqual([
      'every reading as it arrives',
      'every 10 seconds',
      'every minute',
      'every 5 minutes',
      'every 15 minutes',
      'every 30 minutes',
      'every hour',
      'every day',
    ]);
    for (const w of words) expect(w).not.toMatch(MACHINE_WORDS);
    expect(valuesWords('30min', 'mean', 'en-GB')).toBe('one mean value every 30 minutes');
    expect(valuesWords('1d', 'delta', 'en-GB')).toBe('one amount used every day');
  });
});

describe('the GB licence-condition note', () => {
  const source = (id: string, kind: string, vendor = '') => ({ id, kind, vendor });
  it('applies to electricity use finer than daily from a GB meter, or of unknown origin on a box in Great Britain', () => {
    const octopus = source(
      'octopus.electricity.import.interval',
      'electricity.import.energy.interval',
      'Octopus Energy',
    );
    expect(regulatoryNote(octopus, '30min', 'Europe/Amsterdam')).toMatch(/licence condition 47/);
    expect(regulatoryNote(source('sim.power', 'electricity.import.power'), '1h', 'Europe/London')).toMatch(
      /Smart Energy Code/,
    );
  });

  it('does not apply elsewhere, to other meters and kinds, or to daily reads', () => {
    const sim = source('sim.power', 'electricity.import.power', 'databox-simulator');
    expect(regulatoryNote(sim, '30min', 'Europe/Amsterdam')).toBeNull();
    expect(
      regulatoryNote(
        source('p1.electricity.import.power', 'electricity.import.power', 'ISK'),
        '30min',
        'Europe/London',
      ),
    ).toBeNull();
    expect(
      regulatoryNote(source('shelly.plug.power', 'electricity.power', 'Shelly'), 'raw', 'Europe/London'),
    ).toBeNull();
    expect(regulatoryNote(source('z.bedroom.temperature', 'temperature'), 'raw', 'Europe/London')).toBeNull();
    expect(
      regulatoryNote(
        source('price.agile', 'price.electricity.import', 'Octopus Energy'),
        '30min',
        'Europe/London',
      ),
    ).toBeNull();
    expect(regulatoryNote(sim, '1d', 'Europe/London')).toBeNull();
  });
});

describe('what the app loses if something is declined', () => {
  const manifest = (dir: string): Manifest => {
    const result = validateManifest(
      JSON.parse(readFileSync(join(REPO_ROOT, 'examples', dir, 'databox-app.json'), 'utf8')),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.manifest;
  };

  it("names a destination's purpose from the manifest and what keeps working", () => {
    const m = manifest('energy-insights');
    const text = destinationLoss(m, m.exports[0]);
    expect(text).toContain('nothing is sent to energy-coop.example');
    expect(text).toContain('so what it is for (the reason above) does not happen');
    expect(text).toContain(
      'Energy insights keeps working on this box; its insights (Daily use, Peak hours, Flat or day/night tariff)',
    );
  });

  it("lists an optional request's purposes, and says a required one cannot be declined", () => {
    const m = manifest('container-hello');
    const optional = m.requests.find((r) => !r.required);
    if (!optional) throw new Error('container-hello has an optional request');
    const text = requestLoss(optional);
    expect(text).toMatch(/^Without it the app cannot: /);
    for (const r of optional.resolutions) expect(text).toContain(r.purpose);
    expect(requestLoss(manifest('energy-insights').requests[0])).toMatch(
      /declining it means not installing the app/,
    );
  });
});
