import { join } from 'node:path';
import { parseSettingAssignment } from '../../../apps-sdk/src/app-settings.ts';
import { buildApp } from '../../../apps-sdk/src/build-app.ts';
import { checkApp } from '../../../apps-sdk/src/check-app.ts';
import { AppManager } from '../../apps/app-manager.ts';
import { quotaReport, setQuotasFromFlags } from '../../apps/app-quotas.ts';
import { AppRunner } from '../../apps/app-runner.ts';
import { appSettings, setAppSettings } from '../../apps/app-settings-store.ts';
import { diffLines } from '../../apps/app-upgrade.ts';
import { buildBeforeInstall } from '../../apps/build-before-install.ts';
import { exportUrlProblem } from '../../apps/export-url-check.ts';
import type { AppRuntime } from '../../apps/runtime.ts';
import type { Grant } from '../../apps/types.ts';
import { boxPaths } from '../../config/paths.ts';
import { BadRequestError } from '../../errors.ts';
import { ExportService } from '../../exports/export-service.ts';
import type { LocalTime } from '../../time/local-time.ts';
import { boxLocalTime } from '../../time/time-settings.ts';
import { type Command, HOME_OPTION, stringOption } from '../command.ts';
import { consentChoices } from '../consent-choices.ts';
import { localDate } from '../local-date.ts';
import { openStore } from '../open-store.ts';
import { trustLine } from './app-pack.ts';

const SUBCOMMANDS = [
  'install',
  'grant',
  'list',
  'show',
  'grants',
  'receipt',
  'revoke',
  'uninstall',
  'run',
  'runs',
  'insights',
  'quota',
  'settings',
  'rollback',
  'check',
  'build',
  'types',
  'new',
  'dev',
  'pack',
  'key',
];

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** One grant, its expiry in the box's zone (`lt`). */
function grantLine(g: Grant, lt: LocalTime): string {
  const state = g.revokedAt !== null ? 'revoked' : g.expiresAt <= Date.now() ? 'expired' : 'active';
  return `${g.request.padEnd(16)} ${g.datasource.padEnd(24)} ${g.resolution.padEnd(6)} ${g.history.padEnd(8)} until ${localDate(lt, g.expiresAt)}  ${state}`;
}

async function runtimesFor(
  kind: AppRuntime['kind'],
): Promise<Partial<Record<AppRuntime['kind'], AppRuntime>>> {
  if (kind === 'isolate') {
    const { IsolateRuntime } = await import('../../sandbox/isolate/isolate-runtime.ts');
    return { isolate: new IsolateRuntime() };
  }
  const { ContainerRuntime } = await import('../../sandbox/container/container-runtime.ts');
  return { container: new ContainerRuntime() };
}

/** Whether the app may know the box's zone (it asks for it). */
const zoneLine = (shared: boolean) =>
  `time zone: ${shared ? "shared (the app is told the box's zone at each run)" : 'not shared (the app works in UTC)'}`;

export const appCommand: Command = {
  name: 'app',
  summary: 'Install apps with the grants you choose, see and revoke them, run them.',
  usage:
    'app install DIR|FILE.tgz [--allow-unsigned] [--allow-key-change] | pack [DIR] [--key FILE] [--out FILE] | key | grant|show|grants|receipt|revoke|uninstall|run|runs|insights|quota|settings|rollback ID | list | check|build DIR',
  options: {
    home: HOME_OPTION,
    grant: {
      type: 'string',
      multiple: true,
      description: 'install/grant: REQUEST=DATASOURCE[@RESOLUTION][/HISTORY]',
      placeholder: 'SPEC',
    },
    decline: {
      type: 'string',
      multiple: true,
      description: 'install/grant: decline an optional request',
      placeholder: 'REQUEST',
    },
    expires: {
      type: 'string',
      description: 'install/grant: grants expire after (ISO 8601, default P1Y)',
      placeholder: 'DURATION',
    },
    'approve-destination': {
      type: 'string',
      multiple: true,
      description: 'install/grant: approve an export destination',
      placeholder: 'ID',
    },
    'export-mode': {
      type: 'string',
      description:
        'install/grant: review (hold each export for you) or auto (send at once); asked on a terminal when the app exports',
      placeholder: 'MODE',
    },
    'share-time-zone': {
      type: 'boolean',
      description: "install/grant: let the app know the box's time zone (if it asks; default no)",
    },
    'no-share-time-zone': {
      type: 'boolean',
      description: 'install/grant: do not let the app know the time zone (asked on a terminal otherwise)',
    },
    'home-network-destination': {
      type: 'string',
      multiple: true,
      description:
        'install/grant: an approved destination that is on your home network (private address allowed)',
      placeholder: 'ID',
    },
    yes: { type: 'boolean', description: 'install/grant: do not prompt; use the flags as given' },
    request: { type: 'string', description: 'revoke: only this request', placeholder: 'NAME' },
    receipt: { type: 'string', description: 'receipt: an earlier receipt by id', placeholder: 'ID' },
    set: {
      type: 'string',
      multiple: true,
      description:
        'quota: set a quota, e.g. kvBytes=2000000 (NAME=default returns it to the default); settings: set a setting, e.g. tariff=0.31',
      placeholder: 'NAME=N',
    },
    json: { type: 'boolean', description: 'print JSON' },
    reset: {
      type: 'string',
      multiple: true,
      description: 'settings: return a setting to its default',
      placeholder: 'NAME',
    },
    runtime: { type: 'string', description: 'new: isolate (default) or container', placeholder: 'KIND' },
    once: {
      type: 'boolean',
      description: 'dev: one build, install and run, then stop (exit 1 if the run failed)',
    },
    dir: { type: 'string', description: 'new: the folder to write (default ./NAME)', placeholder: 'DIR' },
    key: {
      type: 'string',
      description:
        'pack/key: the developer signing key (default $XDG_CONFIG_HOME/databox/developer-key.pem; made on first use)',
      placeholder: 'FILE',
    },
    out: {
      type: 'string',
      description: 'pack: the bundle to write (default ID-VERSION.tgz)',
      placeholder: 'FILE',
    },
    'allow-unsigned': {
      type: 'boolean',
      description: 'install: accept a bundle that is unsigned or not validly signed (recorded as unsigned)',
    },
    'allow-key-change': {
      type: 'boolean',
      description: 'install: accept an upgrade signed by a different key than the installed version',
    },
    sdk: {
      type: 'string',
      description: "new: the SDK dependency in package.json (default this checkout's apps-sdk)",
      placeholder: 'SPEC',
    },
  },
  details: [
    'Developers: "app new NAME [--runtime isolate|container]" writes a new app folder (manifest,',
    'src/index.ts, tsconfig, a passing runLocally test on simulator data); "app types DIR" writes',
    'src/databox-app.types.ts from the manifest, for defineApp<Types>; "app dev DIR" builds, installs on',
    'a throwaway box with simulator data at the finest resolutions asked for, runs, and reruns on each change.',
    '"app pack [DIR]" builds if needed and writes a bundle of only the files the app needs, each digested,',
    'signed with your key ("app key" shows it). Install refuses a bundle that is unsigned or altered',
    '(--allow-unsigned to accept it) and an upgrade signed by another key (--allow-key-change).',
    'Examples:',
    '  databox app install examples/energy-insights --grant power=meter.power@30min/P90D --expires P1Y \\',
    '      --approve-destination monthly-summary --yes',
    '  databox app receipt energy-insights > receipt.json',
    '  databox app revoke energy-insights --request power',
    '  databox app run energy-insights',
    '  databox app quota energy-insights --set kvBytes=5000000 --set runsPerHour=default',
    '  databox app settings energy-insights --set tariff=0.31 --reset standingCharge',
    '  databox app rollback energy-insights   # the version before, keeping the consent that still holds',
  ],
  async run({ values, positionals }) {
    const [sub, arg] = positionals;
    if (!SUBCOMMANDS.includes(sub))
      throw new BadRequestError(
        `app needs one of ${SUBCOMMANDS.join(', ')} (got ${sub ?? 'nothing'}); see --help`,
      );
    if (sub === 'check') {
      if (!arg) throw new BadRequestError('app check needs a DIR');
      const result = await checkApp(arg, { checkExportUrl: exportUrlProblem });
      for (const e of result.errors) console.error(`error ${e.path}: ${e.message}`);
      for (const w of result.warnings) console.warn(`warning ${w.path}: ${w.message}`);
      for (const e of result.exports) console.log(`export ${e.id} to ${e.url}: ${e.capacity.text}`);
      if (result.ok) console.log(`${arg}: ok`);
      return result.ok ? 0 : 1;
    }
    if (sub === 'pack' || sub === 'key') {
      const { runAppPackCommand } = await import('./app-pack.ts');
      return runAppPackCommand(sub, arg, values);
    }
    if (sub === 'types' || sub === 'new' || sub === 'dev') {
      // the developer's commands need no box; loaded only when used
      const { runAppDevCommand } = await import('./app-dev.ts');
      return runAppDevCommand(sub, arg, values);
    }
    if (sub === 'build') {
      if (!arg) throw new BadRequestError('app build needs a DIR');
      const built = await buildApp(arg);
      console.log(built.skipped ?? `wrote ${built.outfile} (${built.bytes} bytes)`);
      return 0;
    }
    const home = stringOption(values, 'home');
    const store = openStore(home);
    const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));
    try {
      const apps = new AppManager(store, { appsDir: join(boxPaths(home).home, 'apps') });
      if (sub === 'list') {
        const installed = apps.list();
        if (values.json) print(installed.map(({ manifest: _m, ...rest }) => rest));
        else if (installed.length === 0) console.log('no apps installed (see "databox app install --help")');
        else
          for (const a of installed)
            console.log(
              `${a.id.padEnd(24)} ${a.version.padEnd(10)} ${a.manifest.runtime.type.padEnd(10)} ${a.name}`,
            );
        return 0;
      }
      if (!arg)
        throw new BadRequestError(
          `app ${sub} needs ${sub === 'install' ? 'a DIR or FILE.tgz' : 'an app ID'}`,
        );
      switch (sub) {
        case 'install':
        case 'grant': {
          if (sub === 'install') {
            // a fresh clone has no examples/*/dist: build from the source as `app build` would
            const built = await buildBeforeInstall(arg);
            if (built)
              console.log(
                `built ${built.bundle} (${built.reason === 'missing' ? 'it was missing' : 'it was older than its source'}): ${built.result.bytes} bytes`,
              );
          }
          const choices = await consentChoices(values, store, sub === 'install' ? arg : undefined, arg);
          const method = values.yes || !process.stdin.isTTY ? 'cli' : 'cli-interactive';
          const trust = {
            allowUnsigned: values['allow-unsigned'] === true,
            allowKeyChange: values['allow-key-change'] === true,
          };
          const result =
            sub === 'install' ? apps.install(arg, choices, method, trust) : apps.grant(arg, choices, method);
          // right after the install, in this process: the app's first run cannot come before it
          if (choices.exportMode && result.app.manifest.exports.length > 0)
            new ExportService({ store, registry: apps.registry }).setMode(result.app.id, choices.exportMode);
          if (values.json) print(result.consent.receipt);
          else {
            if (result.diff?.fromVersion) for (const line of diffLines(result.diff)) console.log(line);
            console.log(
              `${sub === 'install' ? 'installed' : 'changed grants of'} ${result.app.id} ${result.app.version}; consent receipt ${result.consent.receiptId}`,
            );
            const trustText = trustLine(result.trust);
            if (trustText) console.log(trustText);
            for (const g of result.grants) console.log(`  ${grantLine(g, boxLocalTime(store))}`);
            if (result.app.manifest.timeZone) console.log(`  ${zoneLine(result.consent.timeZone)}`);
          }
          return 0;
        }
        case 'show': {
          const app = apps.get(arg);
          print({
            ...app,
            grants: apps.grants(arg),
            consent: apps.registry.currentConsent(arg)?.receiptId ?? null,
            quotas: quotaReport(store, apps.registry, arg),
          });
          return 0;
        }
        case 'rollback': {
          const result = apps.rollback(arg);
          if (result.diff) for (const line of diffLines(result.diff)) console.log(line);
          console.log(
            `rolled ${arg} back to ${result.app.version}; consent receipt ${result.consent.receiptId}`,
          );
          for (const g of result.grants) console.log(`  ${grantLine(g, boxLocalTime(store))}`);
          return 0;
        }
        case 'settings': {
          const { manifest } = apps.get(arg);
          const changes = Object.fromEntries(list(values.set).map((a) => parseSettingAssignment(a)));
          const reset = list(values.reset);
          const settings =
            Object.keys(changes).length > 0 || reset.length > 0
              ? await setAppSettings(store, arg, manifest, changes, reset)
              : appSettings(store, arg, manifest);
          if (values.json) print(settings);
          else if (Object.keys(settings).length === 0) console.log(`app "${arg}" declares no settings`);
          else
            for (const [k, v] of Object.entries(settings))
              console.log(`${k.padEnd(24)} ${JSON.stringify(v)}`);
          return 0;
        }
        case 'quota': {
          apps.get(arg);
          if (values.set !== undefined) setQuotasFromFlags(store, arg, list(values.set));
          const report = quotaReport(store, apps.registry, arg);
          if (values.json) print(report);
          else
            for (const q of report)
              console.log(
                `${q.name.padEnd(22)} ${q.used === null ? ''.padStart(12) : String(q.used).padStart(12)} of ${String(q.limit).padStart(11)} ${q.unit}${q.custom ? '  (set for this app)' : ''}`,
              );
          return 0;
        }
        case 'grants':
          if (values.json) print(apps.grants(arg));
          else {
            for (const g of apps.grants(arg)) console.log(grantLine(g, boxLocalTime(store)));
            if (apps.get(arg).manifest.timeZone)
              console.log(zoneLine(apps.registry.currentConsent(arg)?.timeZone === true));
          }
          return 0;
        case 'receipt':
          print(apps.receipt(arg, stringOption(values, 'receipt')).receipt);
          return 0;
        case 'revoke': {
          const revoked = apps.revoke(arg, stringOption(values, 'request'));
          console.log(
            revoked.length ? `revoked ${revoked.join(', ')} of ${arg}` : `${arg} had no live grant to revoke`,
          );
          return 0;
        }
        case 'uninstall': {
          const { kvKeys } = apps.uninstall(arg);
          console.log(`uninstalled ${arg}: grants ended, ${kvKeys} kv keys wiped`);
          return 0;
        }
        case 'runs':
          if (values.json) print(apps.registry.listRuns(arg));
          else
            for (const r of apps.registry.listRuns(arg))
              console.log(
                `${localDate(boxLocalTime(store), r.startedAt)} ${r.status.padEnd(8)} ${String(r.durationMs ?? '').padStart(7)} ms  reads ${r.reads} rows ${r.rowsRead} insights ${r.insights} exports ${r.exports}${r.error ? `  ${r.error}` : ''}`,
              );
          return 0;
        case 'insights':
          print(apps.registry.listInsights(arg));
          return 0;
        case 'run': {
          const runner = new AppRunner({
            store,
            runtimes: await runtimesFor(apps.get(arg).manifest.runtime.type),
          });
          await runner.start(new AbortController().signal);
          try {
            const run = await runner.run(arg, 'manual');
            if (values.json) print(run);
            else {
              console.log(
                `run ${run.runId}: ${run.status} in ${run.durationMs} ms; ${run.reads} reads, ${run.rowsRead} rows, ${run.insights} insights, ${run.exports} exports`,
              );
              for (const line of run.logs) console.log(`  ${line}`);
              if (run.error) console.error(`error: ${run.error}`);
            }
            return run.status === 'ok' ? 0 : 1;
          } finally {
            await runner.stop();
          }
        }
      }
      return 1;
    } finally {
      store.close();
    }
  },
};
