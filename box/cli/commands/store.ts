import { join } from 'node:path';
import { loadGatewayOptions } from '../../../export-gateway/options.ts';
import { AppManager } from '../../apps/app-manager.ts';
import { diffLines } from '../../apps/app-upgrade.ts';
import { type AddedStore, AppStores } from '../../apps/catalogue/app-stores.ts';
import { boxPaths } from '../../config/paths.ts';
import { BadRequestError } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import { type Command, HOME_OPTION, stringOption } from '../command.ts';
import { consentChoices } from '../consent-choices.ts';
import { openStore } from '../open-store.ts';
import { appCommand } from './app.ts';

const SUBCOMMANDS = ['add', 'list', 'refresh', 'remove', 'install'];
// `app install`'s consent and trust flags
const CONSENT_FLAGS = [
  'grant',
  'decline',
  'expires',
  'approve-destination',
  'home-network-destination',
  'share-time-zone',
  'no-share-time-zone',
  'yes',
  'allow-unsigned',
  'allow-key-change',
];

/** The box's app stores, reached with the export gateway's settings (dev mode, timeouts). */
export function appStoresFor(store: Store, home: string): AppStores {
  const gateway = loadGatewayOptions(home);
  return new AppStores({
    store,
    home,
    client: {
      devMode: gateway.devMode,
      connectTimeoutMs: gateway.connectTimeoutMs,
      totalTimeoutMs: gateway.totalTimeoutMs,
    },
  });
}

function storeLines(s: AddedStore): string[] {
  const where = s.url ?? `file ${s.file}`;
  const lines = [
    `${s.id.padEnd(24)} ${where}  (${s.entries.length} entries; bundles from ${s.approvedOrigins.join(', ') || 'nowhere'})`,
  ];
  for (const e of s.entries)
    lines.push(
      `  ${e.appId.padEnd(24)} ${e.version.padEnd(10)} ${e.name}  publisher ${e.publisher ?? '?'} key ${e.publisherKey ?? 'none'}  sha256 ${e.sha256.slice(0, 16)}…`,
    );
  return lines;
}

export const storeCommand: Command = {
  name: 'store',
  summary: 'Add app stores (a HyperCat index by URL or file), list their apps, install one with consent.',
  usage:
    'store add URL|FILE [--name ID] | list | refresh ID | remove ID | install APP [--store ID] [--version V]',
  options: {
    home: HOME_OPTION,
    name: {
      type: 'string',
      description: 'add: the store id (default its host or file name)',
      placeholder: 'ID',
    },
    'home-network': {
      type: 'boolean',
      description: 'add: the store is on your home network (private addresses allowed)',
    },
    store: {
      type: 'string',
      description: 'install: from this store (default the first that lists the app)',
      placeholder: 'ID',
    },
    version: {
      type: 'string',
      description: 'install: this version (default the highest listed)',
      placeholder: 'V',
    },
    ...Object.fromEntries(CONSENT_FLAGS.map((f) => [f, appCommand.options[f]])),
    json: { type: 'boolean', description: 'list: print JSON' },
  },
  details: [
    "Fetches follow the export gateway's rules: https: only (http: to loopback in gateway dev mode), no",
    "redirects, size caps, and bundles only from the store's own host; a bundle whose SHA-256 differs",
    'from the index is refused. Examples:',
    '  databox store add https://apps.example.org/databox/index.json',
    '  databox store install energy-insights --grant power=meter.power@30min/P90D --yes',
  ],
  async run({ values, positionals }) {
    const [sub, arg] = positionals;
    if (!SUBCOMMANDS.includes(sub))
      throw new BadRequestError(
        `store needs one of ${SUBCOMMANDS.join(', ')} (got ${sub ?? 'nothing'}); see --help`,
      );
    if (sub !== 'list' && !arg)
      throw new BadRequestError(
        `store ${sub} needs ${sub === 'add' ? 'a URL or FILE' : sub === 'install' ? 'an APP id' : 'a store ID'}`,
      );
    const paths = boxPaths(stringOption(values, 'home'));
    const store = openStore(paths.home);
    try {
      const stores = appStoresFor(store, paths.home);
      switch (sub) {
        case 'add': {
          const added = await stores.add(arg, {
            id: stringOption(values, 'name'),
            homeNetwork: values['home-network'] === true,
          });
          console.log(`added store ${added.id}: ${added.description}`);
          for (const line of storeLines(added).slice(1)) console.log(line);
          return 0;
        }
        case 'list': {
          const all = stores.list();
          if (values.json) console.log(JSON.stringify(all, null, 2));
          else if (all.length === 0) console.log('no stores added (see "databox store add --help")');
          else for (const s of all) for (const line of storeLines(s)) console.log(line);
          return 0;
        }
        case 'refresh': {
          const s = await stores.refresh(arg);
          console.log(`refreshed ${s.id}: ${s.entries.length} entries`);
          return 0;
        }
        case 'remove': {
          const s = stores.remove(arg);
          console.log(`removed store ${s.id} (installed apps stay)`);
          return 0;
        }
        case 'install': {
          const fetched = await stores.fetchBundle(arg, {
            store: stringOption(values, 'store'),
            version: stringOption(values, 'version'),
          });
          console.log(
            `fetched ${arg} ${fetched.entry.version} from ${fetched.store.id}: ${fetched.bytes} bytes, SHA-256 as the index says`,
          );
          try {
            const choices = await consentChoices(values, store, fetched.path);
            const method = values.yes || !process.stdin.isTTY ? 'cli' : 'cli-interactive';
            const apps = new AppManager(store, { appsDir: join(paths.home, 'apps') });
            // the install verifies the signature as for any .tgz; the trust flags as `app install` has them
            const result = apps.install(fetched.path, choices, method, {
              allowUnsigned: values['allow-unsigned'] === true,
              allowKeyChange: values['allow-key-change'] === true,
            });
            if (result.diff?.fromVersion) for (const line of diffLines(result.diff)) console.log(line);
            console.log(
              `installed ${result.app.id} ${result.app.version}; consent receipt ${result.consent.receiptId}`,
            );
          } finally {
            // the CLI consents at once; the bundle need not wait (the dashboard's does)
            stores.discardBundle(fetched.path);
          }
          return 0;
        }
      }
      return 1;
    } finally {
      store.close();
    }
  },
};
