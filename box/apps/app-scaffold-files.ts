import { HouseholdSimulator } from '../../drivers/simulator/index.ts';
import type { ScaffoldOptions } from './app-scaffold.ts';

/** Two days from this Monday 00:00 UTC: a fixed, reproducible sample. */
const SAMPLE_FROM = Date.UTC(2024, 0, 8);
const SAMPLE_DAYS = 2;

/**
 * Sample data for `runLocally`: the household simulator's whole-house power, one reading a
 * minute for two days (about 70 KB of JSON), and the `now` at which every bucket of it has closed.
 *
 * @example
 * const { power, now } = sampleData(); // power: [{ t, v }, …] (2880 readings)
 */
export function sampleData(): { source: string; now: number; power: Array<{ t: number; v: number }> } {
  const to = SAMPLE_FROM + SAMPLE_DAYS * 86_400_000;
  const sim = new HouseholdSimulator({ seed: 14 });
  const power: Array<{ t: number; v: number }> = [];
  for (const batch of sim.batches(SAMPLE_FROM, to, { batchSize: 50_000 })) {
    if (batch.sourceId !== 'sim.power') continue;
    for (const r of batch.readings) if (r.t % 60_000 === 0) power.push({ t: r.t, v: Math.round(r.v) });
  }
  return { source: 'databox household simulator (seed 14), sim.power, 1 reading/min', now: to, power };
}

const INDEX_TS = `import { defineApp } from 'databox-apps-sdk/app';
import type { Types } from './databox-app.types.ts';

// Types come from databox-app.json (\`npm run types\` after changing it): a request name or an
// insight key the manifest does not declare is a compile error.
export default defineApp<Types>(async (ctx) => {
  const { points, resolution, unit } = await ctx.data.read('power');
  if (points.length === 0) {
    await ctx.log.warn('no power data in the granted window yet');
    return;
  }
  const mean = points.reduce((sum, p) => sum + p.v, 0) / points.length;
  const busiest = points.reduce((a, b) => (b.v > a.v ? b : a));
  await ctx.insight.emit({
    key: 'week-power',
    title: 'Your week in power',
    summary: \`Mean \${Math.round(mean)} \${unit}; busiest \${resolution} from \${new Date(busiest.t).toISOString()}\`,
    value: Math.round(mean),
    unit,
    data: { busiestAt: busiest.t, busiestW: busiest.v, resolution },
  });
});
`;

const TEST_TS = `import { readFileSync } from 'node:fs';
import { runLocally } from 'databox-apps-sdk';
import { expect, it } from 'vitest';
import app from '../src/index.ts';

const manifest = JSON.parse(readFileSync(new URL('../databox-app.json', import.meta.url), 'utf8'));
// two days of simulated household power (see "source" in the file)
const sample = JSON.parse(readFileSync(new URL('./sample-data.json', import.meta.url), 'utf8'));

it('gives the mean and the busiest half hour at 30 min', async () => {
  const result = await runLocally(app, {
    manifest,
    data: { power: { readings: sample.power, unit: 'W' } },
    grant: { power: { resolution: '30min' } },
    now: sample.now,
  });
  expect(result.status, result.stack).toBe('ok');
  const [read] = result.reads;
  expect(read.resolution).toBe('30min');
  expect(read.points.length).toBe(96); // two days of closed half hours
  const mean = read.points.reduce((s, p) => s + p.v, 0) / read.points.length;
  expect(result.insights).toHaveLength(1);
  expect(result.insights[0]).toMatchObject({ key: 'week-power', value: Math.round(mean), unit: 'W' });
});

it('is refused a resolution finer than it asked for', async () => {
  await expect(
    runLocally(app, { manifest, data: { power: sample.power }, grant: { power: { resolution: '1min' } } }),
  ).rejects.toThrow('grant.power');
});
`;

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023'],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      resolveJsonModule: true,
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
    },
    include: ['src', 'test'],
  },
  null,
  2,
)}\n`;

/** The text files of a new app besides its manifest, types and sample data. */
export function appSourceFiles(options: ScaffoldOptions): Record<string, string> {
  const pkg = {
    name: options.id,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      // the SDK's own CLI: no Databox checkout needed to build, check and type the app
      build: 'databox-app build .',
      check: 'databox-app check .',
      types: 'databox-app types .',
      test: 'vitest run',
    },
    dependencies: { 'databox-apps-sdk': options.sdkSpec },
    devDependencies: { '@types/node': '^20.0.0', vitest: '^4.1.0' },
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': TSCONFIG,
    'src/index.ts': INDEX_TS,
    'test/app.test.ts': TEST_TS,
    '.gitignore': 'node_modules/\ndist/\n',
    'README.md': `# ${options.id}\n\nA Databox app (${options.runtime} runtime), made by \`databox app new\`.\n\n\`\`\`sh\nnpm install\nnpm test              # runLocally on test/sample-data.json\nnpm run build         # dist/app.js (+ .map)\ndatabox app dev .     # build, install on a throwaway box with simulator data, run; again on each change\n\`\`\`\n\nTo install on a real box, pack it: \`databox app pack\` builds if needed and writes a signed bundle,\n\`${options.id}-VERSION.tgz\`, of only \`databox-app.json\` and \`dist/\` (never \`node_modules\`), for\n\`databox app install\`. \`databox app key\` shows the fingerprint of the key it is signed with.\n\nAfter changing \`databox-app.json\`, run \`npm run types\` so the compiler knows its names.\nSee docs/app-developers.md in the Databox repository.\n`,
  };
}
