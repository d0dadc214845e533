import { describe, expect, it } from 'vitest';
import { parseGrantSpecs } from '../../../box/apps/grant-spec.ts';
import type { DataboxError } from '../../../box/errors.ts';

describe('parseGrantSpecs', () => {
  it('parses REQUEST=DATASOURCE[@RESOLUTION][/HISTORY] and declines', () => {
    expect(
      parseGrantSpecs(['power=meter.power@30min/P90D', 'energy=meter.energy', 'temp=room.temp/P7D'], ['gas']),
    ).toEqual({
      power: { datasource: 'meter.power', resolution: '30min', history: 'P90D' },
      energy: { datasource: 'meter.energy' },
      temp: { datasource: 'room.temp', history: 'P7D' },
      gas: { decline: true },
    });
  });

  it('lists every malformed or conflicting flag', () => {
    try {
      parseGrantSpecs(['power', 'power=meter.power', 'power=meter.power@1h', 'x=Bad Source'], ['power']);
      expect.unreachable();
    } catch (error) {
      expect((error as DataboxError).details.map((d) => d.path)).toEqual([
        '--grant[0]',
        '--grant[2]',
        '--grant[3]',
        '--decline power',
      ]);
    }
  });
});
