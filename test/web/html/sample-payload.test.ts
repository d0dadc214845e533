import { describe, expect, it } from 'vitest';
import { insightSeries } from '../../../box/web/html/insight-card.ts';
import { samplePayload } from '../../../box/web/html/sample-payload.ts';

describe('samplePayload', () => {
  it('fills the energy-insights export schema so it matches its pattern and bounds', () => {
    const schema = {
      type: 'object',
      required: ['month', 'kWh'],
      properties: {
        month: { type: 'string', pattern: '^\\d{4}-\\d{2}$' },
        kWh: { type: 'number', minimum: 0 },
      },
    };
    expect(samplePayload(schema, new Date('2024-03-15T10:00:00Z'))).toEqual({ month: '2024-03', kWh: 123.4 });
  });

  it('prefers the schema example, then const, enum and default', () => {
    expect(samplePayload({ type: 'object', examples: [{ a: 1 }] })).toEqual({ a: 1 });
    expect(samplePayload({ type: 'array', items: { enum: ['x', 'y'] } })).toEqual(['x']);
    expect(samplePayload({ type: 'integer', minimum: 100 })).toBe(100);
    expect(samplePayload({ type: 'string', format: 'date' }, new Date('2024-03-15T10:00:00Z'))).toBe(
      '2024-03-15',
    );
  });
});

describe('insightSeries', () => {
  it('finds a dated series in an insight', () => {
    const series = insightSeries({
      days: [
        { date: '2024-02-01', kWh: 24 },
        { date: '2024-02-02', kWh: 23.5 },
      ],
    });
    expect(series).toEqual({
      label: 'days (kWh)',
      x: [Date.UTC(2024, 1, 1) / 1000, Date.UTC(2024, 1, 2) / 1000],
      y: [24, 23.5],
    });
    expect(insightSeries({ peak: [19, 21, 18] })).toBeUndefined();
  });
});
