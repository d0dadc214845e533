import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../apps-sdk/src/manifest.ts';

function base(): Record<string, unknown> {
  return {
    id: 'energy-insights',
    name: 'Energy insights',
    version: '1.2.0',
    description: 'Daily use and tariff comparison',
    author: 'Example Ltd',
    runtime: { type: 'isolate', entry: 'dist/app.js' },
    requests: [
      {
        name: 'power',
        kind: 'electricity.import.power',
        required: true,
        resolutions: [{ resolution: '30min', purpose: 'compare tariffs' }],
        history: 'P90D',
        aggregates: ['mean', 'max'],
      },
    ],
  };
}

describe('validateManifest', () => {
  it('accepts a minimal manifest and fills in defaults', () => {
    const result = validateManifest(base());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.manifest.schedule).toEqual({ type: 'manual' });
    expect(result.manifest.limits).toEqual({ memoryMb: 64, timeoutMs: 30_000 });
    expect(result.manifest.insights).toEqual([]);
    expect(result.manifest.exports).toEqual([]);
  });

  it('accepts a container runtime, interval schedule and an export', () => {
    const manifest = {
      ...base(),
      runtime: { type: 'container', image: 'databox/node-base', command: ['node', '/app/dist/app.js'] },
      schedule: { type: 'interval', every: 'PT6H' },
      exports: [
        {
          id: 'monthly',
          url: 'https://example.org/upload',
          reason: 'monthly summary',
          schema: { type: 'object', properties: { kwh: { type: 'number' } }, additionalProperties: false },
          maxBytes: 4096,
          maxPerDay: 1,
        },
      ],
    };
    expect(validateManifest(manifest).ok).toBe(true);
  });

  it('lists every error with its path, not just the first', () => {
    const manifest = {
      ...base(),
      id: 'Bad_ID',
      version: '1.0',
      runtime: { type: 'isolate', entry: '/etc/passwd' },
      requests: [
        {
          name: 'power',
          kind: 'electricity.import.power',
          resolutions: [{ resolution: '2min', purpose: '' }],
          history: '90 days',
        },
        { name: 'power', kind: 'x', resolutions: [], history: 'P1D' },
      ],
      limits: { memoryMb: 4096 },
      exports: [{ id: 'e', url: 'http://example.org', reason: 'r', schema: {}, maxBytes: 1, maxPerDay: 1 }],
      surprise: true,
    };
    const result = validateManifest(manifest);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'id',
        'version',
        'runtime.entry',
        'requests[0].resolutions[0].resolution',
        'requests[0].resolutions[0].purpose',
        'requests[0].history',
        'requests[1].resolutions',
        'requests[1].name',
        'limits.memoryMb',
        'exports[0].url',
      ]),
    );
    expect(result.errors.find((e) => e.path === 'requests[1].name')?.message).toMatch(
      /duplicates requests\[0\]/,
    );
    expect(result.errors.some((e) => e.message.includes('surprise'))).toBe(true);
  });

  it('refuses a resolution listed twice and a non-object', () => {
    const manifest = base();
    (manifest.requests as Array<Record<string, unknown>>)[0].resolutions = [
      { resolution: '1h', purpose: 'a' },
      { resolution: '1h', purpose: 'b' },
    ];
    const result = validateManifest(manifest);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors.map((e) => e.path)).toEqual(['requests[0].resolutions[1].resolution']);
    const empty = validateManifest(null);
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.errors[0].path).toBe('(root)');
  });
});
