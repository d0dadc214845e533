import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The slowest test files, slowest first (seconds on a 2-core machine, after the speed-ups of the
 * ci-speed branch). Starting them first keeps the end of a run short: two forks share ~200
 * files, and a 60 s file started last would leave one core idle for a minute.
 */
const SLOWEST = [
  'test/web/every-page.test.ts',
  'test/apps-sdk/sdk-package.test.ts',
  'test/security/dashboard-attacks.test.ts',
  'test/box/sandbox/isolate/isolate-limits.test.ts',
  'test/web/dashboard.test.ts',
  'test/integration/backup-restore.test.ts',
  'test/integration/developer-journey.test.ts',
  'test/box/store/compaction.test.ts',
  'test/web/devices-activity-notifications.test.ts',
  'test/box/apps/app-pack.test.ts',
  'test/web/consent-screen.test.ts',
  'test/security/signed-bundles.test.ts',
  'test/integration/damaged-files.test.ts',
  'test/repo/readme-commands.test.ts',
  'test/security/isolate-resources.test.ts',
  'test/security/quotas.test.ts',
];

/**
 * vitest's order (failed first, then longest first) needs its timings cache, which a fresh clone
 * and CI (`npm ci` empties node_modules, where the cache lives) do not have: it then runs larger
 * files first. Without timings for most files, this sequencer puts {@link SLOWEST} first instead,
 * then the rest in vitest's order.
 */
export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const name = (file: TestSpecification) => relative(root, file.moduleId);
    const timed = files.filter((f) =>
      this.ctx.cache.getFileTestResults(`${f.project.name}:${name(f)}`),
    ).length;
    if (timed >= files.length / 2) return sorted;
    const rank = (file: TestSpecification) => {
      const index = SLOWEST.indexOf(name(file));
      return index === -1 ? SLOWEST.length : index;
    };
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
