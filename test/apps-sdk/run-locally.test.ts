import { describe, expect, it } from 'vitest';
import { AppApiError } from '../../apps-sdk/src/app-api-error.ts';
import { defineApp } from '../../apps-sdk/src/define-app.ts';
import { runLocally } from '../../apps-sdk/src/run-locally.ts';

const T0 = Date.UTC(2024, 0, 15); // a Monday, 00:00 UTC
const MIN = 60_000;

const manifest = {
  id: 'test-app',
  name: 'Test',
  version: '0.1.0',
  description: 'test',
  author: 'me',
  runtime: { type: 'isolate', entry: 'dist/app.js' },
  requests: [
    {
      name: 'power',
      kind: 'electricity.import.power',
      resolutions: [
        { resolution: '1min', purpose: 'p1' },
        { resolution: '30min', purpose: 'p2' },
      ],
      history: 'P1D',
      aggregates: ['max'],
    },
    {
      name: 'energy',
      kind: 'electricity.import.energy',
      required: false,
      resolutions: [{ resolution: '1h', purpose: 'p3' }],
      history: 'P1D',
    },
  ],
  insights: [{ key: 'k', title: 'K', description: 'd', schema: { type: 'object', required: ['a'] } }],
  exports: [
    {
      id: 'dest',
      url: 'https://example.org/in',
      reason: 'r',
      schema: {
        type: 'object',
        properties: { n: { type: 'number' } },
        required: ['n'],
        // room for a short pad, so the size limit is what refuses a long one
        maxProperties: 2,
        propertyNames: { maxLength: 3 },
        additionalProperties: { type: 'string', maxLength: 20 },
      },
      maxBytes: 20,
      maxPerDay: 1,
    },
  ],
};

// Every 10 minutes from 00:00 to 00:50: 100, 200, 300, 400, 500, 600 W.
const power = [0, 1, 2, 3, 4, 5].map((i) => ({ t: T0 + i * 10 * MIN, v: 100 * (i + 1) }));

describe('runLocally', () => {
  it('rolls raw data up to the granted resolution in epoch-aligned buckets', async () => {
    const seen: unknown[] = [];
    const app = defineApp(async (ctx) => {
      seen.push(await ctx.data.read('power'));
      seen.push(await ctx.data.read('power', { aggregate: 'max' }));
    });
    const result = await runLocally(app, {
      manifest,
      data: { power },
      grant: { power: { resolution: '30min' } },
      now: T0 + 60 * MIN,
    });
    expect(result.status).toBe('ok');
    // Buckets 00:00 (100, 200, 300) and 00:30 (400, 500, 600).
    expect(result.reads[0]).toMatchObject({
      resolution: '30min',
      aggregate: 'mean',
      from: T0 - 23 * 60 * MIN,
      to: T0 + 60 * MIN,
    });
    // no `n`: the request did not declare the count aggregate
    expect(result.reads[0].points).toEqual([
      { t: T0, v: 200 },
      { t: T0 + 30 * MIN, v: 500 },
    ]);
    expect(result.reads[1].points.map((p) => p.v)).toEqual([300, 600]);
    expect(result.grants).toEqual([
      {
        request: 'power',
        kind: 'electricity.import.power',
        unit: '',
        resolution: '30min',
        historyMs: 86_400_000,
        aggregates: ['max'],
      },
    ]);
  });

  it('gives counters their consumption per bucket, counting a meter reset from zero', async () => {
    // every 15 minutes; the 03:00 hour is still filling at `now`, so it is not served
    const values = [10, 10.125, 10.25, 10.5, 10.75, 11, 0.25, 0.5, 1, 1.25, 1.5, 1.75, 2];
    const energy = values.map((v, i) => ({ t: T0 + i * 15 * MIN, v })); // 0.25 at 01:30: a reset, +0.25
    const app = defineApp(async (ctx) => {
      await ctx.data.read('energy');
    });
    const result = await runLocally(app, {
      manifest,
      data: { power, energy: { readings: energy, valueType: 'counter', unit: 'kWh' } },
      grant: { power: { resolution: '30min' }, energy: { resolution: '1h' } },
      now: T0 + 190 * MIN,
      timeZone: 'UTC', // hours on the hour UTC, whatever this machine's zone
    });
    expect(result.reads[0].unit).toBe('kWh');
    expect(result.reads[0].to).toBe(T0 + 180 * MIN);
    expect(result.reads[0].points).toEqual([
      { t: T0, v: 0.5 },
      { t: T0 + 60 * MIN, v: 1 },
      { t: T0 + 120 * MIN, v: 1.25 },
    ]);
  });

  it('refuses finer reads and undeclared things the way the box does', async () => {
    const errors: string[] = [];
    const attempt = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        errors.push((error as Error).message);
      }
    };
    const app = defineApp(async (ctx) => {
      await attempt(() => ctx.data.read('power', { resolution: '1min' }));
      await attempt(() => ctx.data.read('energy'));
      await attempt(() => ctx.insight.emit({ key: 'nope', title: 't' }));
      await attempt(() => ctx.insight.emit({ key: 'k', title: 't', data: { b: 1 } }));
      await attempt(() => ctx.export.request('elsewhere', { n: 1 }));
      await attempt(() => ctx.export.request('dest', { n: 'x' }));
      await attempt(() => ctx.export.request('dest', { n: 1, pad: 'xxxxxxxxxxxxxxxx' }));
      expect(await ctx.export.request('dest', { n: 1 })).toEqual({ id: 'local-export-1', status: 'pending' });
      await attempt(() => ctx.export.request('dest', { n: 2 }));
    });
    const result = await runLocally(app, {
      manifest,
      data: { power },
      grant: { power: { resolution: '30min' } },
    });
    expect(result.status).toBe('ok');
    expect(errors).toEqual([
      'resolution 1min is finer than the granted 30min',
      'request "energy" was not granted by the householder',
      'insight "nope" is not declared in the manifest (declared: k)',
      `insight "k" data does not match its schema (data: must have required property 'a')`,
      'export destination "elsewhere" is not declared in the manifest',
      'the payload for "dest" does not match its schema (payload.n: must be number)',
      'the payload for "dest" is 32 bytes, over its limit of 20',
      '"dest" allows 1 exports a day; 1 in the last 24 h',
    ]);
    expect(result.exports).toEqual([
      { id: 'local-export-1', destination: 'dest', payload: { n: 1 }, bytes: 7 },
    ]);
  });

  it('refuses destinations the householder did not approve with the typed code destination_declined', async () => {
    let refusal: unknown;
    const app = defineApp(async (ctx) => {
      await ctx.export.request('dest', { n: 1 }).catch((e: unknown) => {
        refusal = e;
      });
    });
    const result = await runLocally(app, {
      manifest,
      data: {},
      grant: { power: { resolution: '30min' } },
      approve: [],
    });
    expect(refusal).toBeInstanceOf(AppApiError);
    expect((refusal as AppApiError).code).toBe('destination_declined');
    expect((refusal as AppApiError).message).toBe(
      'the householder has not approved export destination "dest"',
    );
    expect(result.status).toBe('ok');
    expect(result.exports).toEqual([]);
  });

  it('reports an uncaught declined destination as the run error with its code', async () => {
    const app = defineApp(async (ctx) => {
      await ctx.export.request('dest', { n: 1 });
    });
    const result = await runLocally(app, {
      manifest,
      data: {},
      grant: { power: { resolution: '30min' } },
      approve: [],
    });
    expect(result.status).toBe('error');
    expect(result.errorCode).toBe('destination_declined');
  });

  it('keeps kv and logs, reports app failures as the outcome and defaults now to after the data', async () => {
    const app = defineApp(async (ctx) => {
      const count = (await ctx.kv.get<number>('count')) ?? 0;
      await ctx.kv.set('count', count + 1);
      await ctx.log.warn(`run ${count + 1}`);
      throw new Error('boom');
    });
    const result = await runLocally(app, {
      manifest,
      data: { power },
      grant: { power: { resolution: '1min' } },
      kv: { count: 4 },
    });
    expect(result).toMatchObject({
      status: 'error',
      error: 'boom',
      kv: { count: 5 },
      logs: [{ level: 'warn', message: 'run 5' }],
    });
    expect(result.now).toBe(T0 + 50 * MIN + 1);
  });

  it('refuses grants the box would refuse', async () => {
    const app = defineApp(async () => {});
    await expect(
      runLocally(app, { manifest, data: {}, grant: { power: { resolution: 'raw' } } }),
    ).rejects.toThrow('grant.power: resolution raw is finer than the 1min the app asked for');
    await expect(runLocally(app, { manifest, data: {}, grant: {} })).rejects.toThrow(/required/);
    await expect(
      runLocally(app, { manifest, data: {}, grant: { power: { resolution: '1h', history: 'P2D' } } }),
    ).rejects.toThrow(/longer than the P1D/);
    await expect(
      runLocally(app, { manifest: { ...manifest, id: 'X' }, data: {}, grant: {} }),
    ).rejects.toThrow(/id:/);
  });
});
