import { createInterface } from 'node:readline/promises';
import { AppManager } from '../apps/app-manager.ts';
import { loadAppSource } from '../apps/app-source.ts';
import { type PromptedConsent, promptConsent } from '../apps/consent-prompt.ts';
import { parseGrantSpecs } from '../apps/grant-spec.ts';
import { BadRequestError } from '../errors.ts';
import type { ExportMode } from '../exports/types.ts';
import type { Store } from '../store/store.ts';
import { stringOption } from './command.ts';

// The consent a CLI install or grant records: from its flags, or asked on a terminal
// (`databox app install|grant`, `databox store install`).

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** `--export-mode`, checked before anything is installed. */
function exportModeFlag(values: Record<string, unknown>): ExportMode | undefined {
  const mode = stringOption(values, 'export-mode');
  if (mode === undefined || mode === 'review' || mode === 'auto') return mode;
  throw new BadRequestError(`--export-mode must be review or auto, not "${mode}"`);
}

/** `--share-time-zone` / `--no-share-time-zone`: asked on a terminal when neither is given. */
function timeZoneFlag(values: Record<string, unknown>): { timeZone?: boolean } {
  if (values['share-time-zone'] === true && values['no-share-time-zone'] === true)
    throw new BadRequestError('give --share-time-zone or --no-share-time-zone, not both');
  if (values['share-time-zone'] === true) return { timeZone: true };
  if (values['no-share-time-zone'] === true) return { timeZone: false };
  return {};
}

/** Flags, or on a terminal prompts for what the flags leave open; `--yes` skips the final question. */
export async function consentChoices(
  values: Record<string, unknown>,
  store: Store,
  source: string | undefined,
  appId?: string,
): Promise<PromptedConsent> {
  const preset: PromptedConsent = {
    requests: parseGrantSpecs(list(values.grant), list(values.decline)),
    expires: stringOption(values, 'expires'),
    destinations: list(values['approve-destination']),
    homeNetwork: list(values['home-network-destination']),
    exportMode: exportModeFlag(values),
    ...timeZoneFlag(values),
  };
  const interactive = process.stdin.isTTY && process.stdout.isTTY && !values.yes;
  if (!interactive) return preset;
  const manifest = source
    ? (() => {
        // refuses an untrusted bundle before any question is asked
        const app = loadAppSource(source, undefined, { allowUnsigned: values['allow-unsigned'] === true });
        app.cleanup();
        return app.manifest;
      })()
    : new AppManager(store, { appsDir: '' }).get(appId ?? '').manifest;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const io = { ask: (q: string) => rl.question(q), print: (t: string) => console.log(t) };
    const choices = await promptConsent(
      io,
      store,
      manifest,
      preset,
      values['approve-destination'] !== undefined,
    );
    const answer = (await rl.question('\nRecord this consent? [y/N]: ')).trim();
    if (!/^y(es)?$/i.test(answer)) throw new BadRequestError('cancelled: nothing was installed or changed');
    return choices;
  } finally {
    rl.close();
  }
}
