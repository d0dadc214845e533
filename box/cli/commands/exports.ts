import { BadRequestError } from '../../errors.ts';
import { ExportService } from '../../exports/export-service.ts';
import { LEDGER_STATUSES, type LedgerEntry, type LedgerStatus } from '../../exports/types.ts';
import type { LocalTime } from '../../time/local-time.ts';
import { boxLocalTime } from '../../time/time-settings.ts';
import { type Command, HOME_OPTION, stringOption, URL_OPTION } from '../command.ts';
import { openBoxStore } from '../find-box.ts';
import { localDate } from '../local-date.ts';

const SUBCOMMANDS = ['list', 'show', 'review', 'approve', 'reject', 'retry', 'mode'];

/** One ledger entry, its creation time in the box's zone (`lt`). */
function line(e: LedgerEntry, lt: LocalTime): string {
  const code = e.responseStatus === null ? '' : ` HTTP ${e.responseStatus}`;
  return `${e.id}  ${localDate(lt, e.createdAt)}  ${e.status.padEnd(9)} ${e.appId} → ${e.destination} (${e.url})  ${e.bytes} B  attempts ${e.attempts}${code}${e.lastError ? `  ${e.lastError}` : ''}`;
}

function status(value: string | undefined): LedgerStatus | undefined {
  if (value === undefined) return undefined;
  if (!(LEDGER_STATUSES as readonly string[]).includes(value))
    throw new BadRequestError(`--status must be one of ${LEDGER_STATUSES.join(', ')}, got "${value}"`);
  return value as LedgerStatus;
}

/**
 * `databox exports …`: the export ledger ("what left my home") and the review queue. Works on the
 * box's database whether or not the box runs; a running box forwards approved exports within a
 * second.
 */
export const exportsCommand: Command = {
  name: 'exports',
  summary: 'What left the home: the export ledger, the review queue, approve/reject/retry, per-app mode.',
  usage:
    'exports list [--app ID] [--status S] | show ID | review | approve ID | reject ID [--reason TEXT] | retry ID | mode APP [auto|review]',
  options: {
    home: HOME_OPTION,
    url: URL_OPTION,
    app: { type: 'string', description: 'list: only this app', placeholder: 'ID' },
    status: {
      type: 'string',
      description: `list: only this status (${LEDGER_STATUSES.join('|')})`,
      placeholder: 'S',
    },
    limit: { type: 'string', description: 'list: at most N (default 100)', placeholder: 'N' },
    reason: {
      type: 'string',
      description: 'reject: why (kept in the ledger and audit)',
      placeholder: 'TEXT',
    },
    json: { type: 'boolean', description: 'print JSON' },
  },
  details: [
    'Statuses: review (waiting for you), pending (approved, not yet with the gateway), queued (being',
    'delivered), retrying, delivered, failed, rejected (never left). See docs/exports.md.',
    'Example: databox exports mode energy-insights review && databox exports review',
  ],
  async run({ values, positionals }) {
    const [sub, arg, extra] = positionals;
    if (!sub || !SUBCOMMANDS.includes(sub))
      throw new BadRequestError(`say what to do: ${SUBCOMMANDS.join(', ')} (databox exports --help)`);
    if (['show', 'approve', 'reject', 'retry', 'mode'].includes(sub) && !arg)
      throw new BadRequestError(
        `databox exports ${sub} needs ${sub === 'mode' ? 'an app id' : 'an export id'}`,
      );
    const store = await openBoxStore(values, { mustExist: true });
    try {
      const exports = new ExportService({ store });
      const lt = boxLocalTime(store);
      const print = (entries: LedgerEntry[]) => {
        if (values.json) console.log(JSON.stringify(entries, null, 2));
        else if (entries.length === 0) console.log('(none)');
        else for (const e of entries) console.log(line(e, lt));
      };
      switch (sub) {
        case 'list': {
          const limit = stringOption(values, 'limit');
          print(
            exports.ledger.list({
              appId: stringOption(values, 'app'),
              status: status(stringOption(values, 'status')),
              limit: limit === undefined ? undefined : Number(limit),
            }),
          );
          return 0;
        }
        case 'review':
          print(exports.ledger.withStatus('review', 1000));
          return 0;
        case 'show':
          // the payload in full: exactly what was (or would be) sent
          console.log(JSON.stringify(exports.ledger.get(arg), null, 2));
          return 0;
        case 'approve':
          console.log(line(exports.approve(arg), lt));
          return 0;
        case 'reject':
          console.log(line(exports.reject(arg, stringOption(values, 'reason')), lt));
          return 0;
        case 'retry':
          console.log(line(exports.retry(arg), lt));
          return 0;
        default: {
          if (extra !== undefined && extra !== 'auto' && extra !== 'review')
            throw new BadRequestError(`the mode is auto or review, got "${extra}"`);
          const mode = extra === undefined ? exports.mode(arg) : exports.setMode(arg, extra);
          console.log(`${arg}: ${mode}`);
          return 0;
        }
      }
    } finally {
      store.close();
    }
  },
};
