import { boxPaths } from '../../config/paths.ts';
import { lowerPriority } from '../../ops/background-priority.ts';
import { type CheckReport, runCheck } from '../../ops/check.ts';
import { recordCheck } from '../../ops/check-record.ts';
import { type Command, HOME_OPTION, stringOption } from '../command.ts';
import { openStore } from '../open-store.ts';
import { Progress } from '../progress.ts';

export const checkCommand: Command = {
  name: 'check',
  summary:
    "Check the box's files: SQLite integrity of the store and outbox, rollups against raw data, the audit chain, file modes, disk space.",
  usage: 'check [--home DIR] [--json]',
  options: {
    home: HOME_OPTION,
    json: { type: 'boolean', description: 'print the report as JSON' },
  },
  details: [
    'Works whether or not the box is running (it reads with connections of its own). Too-wide file',
    'modes are narrowed, as at every start. Exits 0 when everything is in order, 1 otherwise.',
    'It runs at a lower CPU priority (nice 10), so a running box keeps serving first.',
    'The report is kept in the store: the dashboard Overview and GET /api/v1/check show it.',
    'Examples:',
    '  databox check',
    '  databox check --home /srv/databox --json',
  ],
  async run({ values }) {
    const paths = boxPaths(stringOption(values, 'home'));
    // minutes of recomputing rollups on a year's store: a running box's work comes first
    lowerPriority();
    const progress = new Progress('check');
    const report = runCheck(paths, (step, done, total) =>
      progress.update(total ? `${step} (${done}/${total})` : step, true),
    );
    progress.done(`done in ${(report.ms / 1000).toFixed(1)} s`);
    if (report.items.find((i) => i.name === 'store')?.ok) {
      const store = openStore(paths.home, { mustExist: true });
      try {
        recordCheck(store, report);
      } finally {
        store.close();
      }
    }
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else console.log(formatReport(report));
    return report.ok ? 0 : 1;
  },
};

/** The report for a terminal: one line per part, its problems indented below. */
export function formatReport(report: CheckReport): string {
  const lines = [`databox check of ${report.home}`];
  for (const item of report.items) {
    lines.push(`  ${item.ok ? 'ok  ' : 'FAIL'}  ${item.name.padEnd(8)} ${item.summary}`);
    for (const problem of item.problems.slice(0, 20)) lines.push(`          - ${problem}`);
  }
  const failed = report.items.filter((i) => !i.ok).length;
  lines.push(
    failed === 0
      ? `everything is in order (${(report.ms / 1000).toFixed(1)} s)`
      : `${failed} part${failed === 1 ? '' : 's'} failed; see docs/operations.md for what to do (a damaged store: restore a backup)`,
  );
  return lines.join('\n');
}
