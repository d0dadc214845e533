import { z } from 'zod';
import type { Driver, DriverContext, DriverType } from '../../../drivers/driver.ts';

/** Test driver types: `counter` writes a reading every `everyMs`; `flaky` throws on its first `failures` starts. */
export interface FakeConfig {
  source: string;
  everyMs: number;
}

const fakeSchema = z.strictObject({
  source: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a datasource id'),
  everyMs: z.number().int().min(1, 'must be at least 1'),
});

class TickingDriver implements Driver {
  #timer: NodeJS.Timeout | undefined;
  #n = 0;
  constructor(
    readonly config: FakeConfig,
    readonly failStart: () => boolean,
  ) {}

  async start(ctx: DriverContext): Promise<void> {
    if (this.failStart()) throw new Error('the fake device is unplugged');
    ctx.registerDatasource({ id: this.config.source, kind: 'test.count', unit: '', valueType: 'gauge' });
    this.#timer = setInterval(() => {
      this.#n++;
      ctx.write(this.config.source, [{ t: ctx.now(), v: this.#n }]).catch(() => {});
    }, this.config.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
  }
}

export function fakeTypes(options: { failures?: number } = {}) {
  const starts = { ticking: 0, flaky: 0 };
  let failures = options.failures ?? 3;
  const ticking: DriverType<FakeConfig> = {
    type: 'ticking',
    description: 'writes a counter',
    configSchema: fakeSchema,
    create: (config) =>
      new TickingDriver(config, () => {
        starts.ticking++;
        return false;
      }),
  };
  const flaky: DriverType<FakeConfig> = {
    type: 'flaky',
    description: 'fails its first starts',
    configSchema: fakeSchema,
    create: (config) =>
      new TickingDriver(config, () => {
        starts.flaky++;
        return failures-- > 0;
      }),
  };
  return { types: [ticking, flaky] as DriverType[], starts };
}
