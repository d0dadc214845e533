import { createReadStream, createWriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { auditCli } from '../../audit/audit-cli.ts';
import { writeAuditExport } from '../../audit/export.ts';
import { verifyAuditJsonl } from '../../audit/verify-jsonl.ts';
import { BadRequestError } from '../../errors.ts';
import { boxLocalTime } from '../../time/time-settings.ts';
import { type Command, HOME_OPTION, stringOption, URL_OPTION } from '../command.ts';
import { openBoxStore } from '../find-box.ts';
import { parseTimeArg } from '../time-arg.ts';

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Verify the hash-chained audit trail, or export it as JSON Lines or CSV (schema: docs/audit.md).',
  usage:
    'audit verify [--file EXPORT.jsonl [--expect-full]] [--checkpoint FILE] [--bundle FILE] | audit key | audit checkpoint [--out FILE] | audit bundle --out FILE [--from-checkpoint OLD] [filters] | audit export [--format jsonl|csv] [--since T] [--until T] [--actor A] [--action A] [--out FILE]',
  options: {
    home: HOME_OPTION,
    url: URL_OPTION,
    file: {
      type: 'string',
      description: 'verify: check an exported JSON Lines file instead of the box',
      placeholder: 'FILE',
    },
    format: { type: 'string', description: 'export: jsonl (default) or csv', placeholder: 'FMT' },
    since: {
      type: 'string',
      description:
        'export: from this time (now, -7d, a date or date-time in the box zone, ISO with offset, ms)',
      placeholder: 'TIME',
    },
    until: { type: 'string', description: 'export: before this time', placeholder: 'TIME' },
    actor: {
      type: 'string',
      description: 'export: only this actor (user, box, app:ID, driver:ID, gateway; prefix*)',
      placeholder: 'ACTOR',
    },
    action: {
      type: 'string',
      description: 'export: only this action (e.g. readings.write, or readings.*)',
      placeholder: 'ACTION',
    },
    'expect-full': { type: 'boolean', description: 'verify --file: fail on any missing entry' },
    checkpoint: {
      type: 'string',
      description: 'verify: check the log extends this signed checkpoint',
      placeholder: 'FILE',
    },
    bundle: { type: 'string', description: 'verify: check an export bundle offline', placeholder: 'FILE' },
    'from-checkpoint': {
      type: 'string',
      description: 'bundle: add the consistency proof from this older checkpoint',
      placeholder: 'FILE',
    },
    out: { type: 'string', description: 'export: write to FILE instead of stdout', placeholder: 'FILE' },
  },
  details: [
    '"verify" prints OK with the head hash (note it down: it anchors the chain), or the first broken entry and exits 1.',
  ],
  async run({ values, positionals }) {
    const [sub] = positionals;
    if (sub === 'key' || sub === 'checkpoint' || sub === 'bundle') {
      const store = await openBoxStore(values, { mustExist: true });
      // the box key and checkpoints live beside the database
      const home = dirname(store.db.name);
      try {
        if (sub === 'key') return auditCli.key(home);
        if (sub === 'checkpoint') return auditCli.checkpoint(store, home, stringOption(values, 'out'));
        const out = stringOption(values, 'out');
        if (!out) throw new BadRequestError('audit bundle needs --out FILE');
        const filter = { actor: stringOption(values, 'actor'), action: stringOption(values, 'action') };
        return auditCli.bundle(store, home, filter, out, stringOption(values, 'from-checkpoint'));
      } finally {
        store.close();
      }
    }
    if (sub === 'verify' && stringOption(values, 'bundle'))
      return auditCli.verifyBundle(stringOption(values, 'bundle') as string);
    if (sub === 'verify' && stringOption(values, 'checkpoint')) {
      const store = await openBoxStore(values, { mustExist: true });
      try {
        return auditCli.verifyCheckpoint(
          store,
          dirname(store.db.name),
          stringOption(values, 'checkpoint') as string,
        );
      } finally {
        store.close();
      }
    }
    if (sub === 'verify') {
      const file = stringOption(values, 'file');
      if (file) {
        const result = await verifyAuditJsonl(createReadStream(file), {
          expectFull: values['expect-full'] === true,
        });
        console.log(JSON.stringify(result, null, 2));
        return result.ok ? 0 : 1;
      }
      const store = await openBoxStore(values, { mustExist: true });
      try {
        const result = store.audit.verify();
        if (result.ok) {
          console.log(
            `OK: ${result.count} entries, chain intact; head seq ${result.head.seq} hash ${result.head.hash}`,
          );
          // the chain is sound: now the consents and grants stored beside it must match it
          return auditCli.verifyConsents(store);
        }
        console.log(
          `BROKEN at seq ${result.brokenAt}: ${result.reason} (${result.count} entries checked before it)`,
        );
        return 1;
      } finally {
        store.close();
      }
    }
    if (sub === 'export') {
      const format = stringOption(values, 'format') ?? 'jsonl';
      if (format !== 'jsonl' && format !== 'csv')
        throw new BadRequestError(`--format must be jsonl or csv, got "${format}"`);
      const store = await openBoxStore(values, { mustExist: true });
      try {
        // a date or date-time without an offset is a wall time in the box's zone, as in `read`
        const lt = boxLocalTime(store);
        const now = Date.now();
        const time = (text: string | undefined, name: string) =>
          text === undefined ? undefined : (lt.parseWall(text) ?? parseTimeArg(text, name, now));
        const filter = {
          since: time(stringOption(values, 'since'), 'since'),
          until: time(stringOption(values, 'until'), 'until'),
          actor: stringOption(values, 'actor'),
          action: stringOption(values, 'action'),
          order: 'asc' as const,
        };
        const outFile = stringOption(values, 'out');
        const out = outFile ? createWriteStream(outFile) : process.stdout;
        const count = await writeAuditExport(store.audit, filter, format, out);
        if (outFile) {
          out.end();
          await finished(out);
          console.error(`exported ${count} entries to ${outFile}`);
        }
        return 0;
      } finally {
        store.close();
      }
    }
    throw new BadRequestError(`audit needs "verify" or "export" (got ${sub ?? 'nothing'}); see --help`);
  },
};
