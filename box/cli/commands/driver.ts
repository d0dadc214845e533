import { DRIVER_TYPES } from '../../../drivers/registry.ts';
import { DriverInstances } from '../../drivers/driver-instances.ts';
import type { DriverView } from '../../drivers/driver-manager.ts';
import { redactConfig } from '../../drivers/driver-types.ts';
import { BadRequestError } from '../../errors.ts';
import { type Command, HOME_OPTION, stringOption, URL_OPTION } from '../command.ts';
import { boxAnswers, boxApi, locateBox } from '../find-box.ts';
import { openStore } from '../open-store.ts';

const SUBCOMMANDS = ['add', 'list', 'show', 'rm'];

/** What one sub-command does, against the running box's API or, when none answers, the store. */
interface Backend {
  where: string;
  list(): Promise<Array<Partial<DriverView> & { id: string; type: string; enabled: boolean }>>;
  show(id: string): Promise<unknown>;
  add(body: unknown): Promise<{ id: string; status?: { state: string; lastError?: { message: string } } }>;
  remove(id: string): Promise<void>;
  close(): void;
}

export const driverCommand: Command = {
  name: 'driver',
  summary: 'Add, list, show or remove driver instances (MQTT brokers, meters, …).',
  usage: 'driver add TYPE [--id ID] [--config JSON | type flags] | list | show ID | rm ID',
  options: {
    home: HOME_OPTION,
    url: URL_OPTION,
    id: {
      type: 'string',
      description: 'add: instance id (default: the type, then TYPE-2, …)',
      placeholder: 'ID',
    },
    config: { type: 'string', description: 'add: the whole config as JSON', placeholder: 'JSON' },
    set: {
      type: 'string',
      multiple: true,
      description: 'add: one config field, KEY=VALUE (VALUE parsed as JSON if it can be)',
      placeholder: 'KEY=VALUE',
    },
    broker: {
      type: 'string',
      description: 'add mqtt: broker URL, mqtt://host:1883 or mqtts://…',
      placeholder: 'URL',
    },
    username: { type: 'string', description: 'add mqtt: user name', placeholder: 'NAME' },
    password: { type: 'string', description: 'add mqtt: password', placeholder: 'SECRET' },
    'topic-prefix': {
      type: 'string',
      description: 'add mqtt: prefix in front of every topic',
      placeholder: 'PREFIX',
    },
    topic: {
      type: 'string',
      multiple: true,
      description: 'add mqtt: topic filter (repeat; replaces the defaults)',
      placeholder: 'FILTER',
    },
    ca: { type: 'string', description: 'add mqtt: PEM file of the broker CA (mqtts)', placeholder: 'FILE' },
    disabled: { type: 'boolean', description: 'add: store the instance without starting it' },
    json: { type: 'boolean', description: 'list/show: print JSON' },
  },
  details: [
    'When a box is running (found through box.json in the data folder, --url or DATABOX_URL), the',
    'command goes through its HTTP API with the admin token from the data folder, so the change',
    'takes effect at once. When no box runs, it changes the store directly and says so: the box',
    'starts the driver at its next start.',
    'Removing a driver keeps its datasources and their data.',
    '',
    `Types: ${DRIVER_TYPES.map((t) => t.type).join(', ')} (GET /api/v1/driver-types has each config's JSON Schema)`,
    '',
    'Examples:',
    '  databox driver add mqtt --broker mqtt://192.168.1.10:1883 --username databox --password secret',
    '  databox driver add mqtt --id z2m --broker mqtt://hub.local --topic "zigbee2mqtt/#"',
    '  databox driver add dsmr --set source=tcp --set host=192.168.1.20 --set port=23',
    '  databox driver list',
    '  databox driver rm z2m',
  ],
  async run({ values, positionals }) {
    const [sub, arg] = positionals;
    if (!SUBCOMMANDS.includes(sub)) {
      throw new BadRequestError(
        `driver needs one of ${SUBCOMMANDS.join(', ')} (got ${sub ?? 'nothing'}); see --help`,
      );
    }
    if (sub !== 'list' && !arg)
      throw new BadRequestError(`driver ${sub} needs ${sub === 'add' ? 'a TYPE' : 'an ID'}`);
    const backend = await connect(stringOption(values, 'home'), stringOption(values, 'url'));
    try {
      if (sub === 'list') {
        const list = await backend.list();
        if (values.json) console.log(JSON.stringify(list, null, 2));
        else if (list.length === 0) console.log('no drivers yet (add one with "databox driver add TYPE …")');
        else {
          console.log(
            `${'ID'.padEnd(20)} ${'TYPE'.padEnd(10)} ${'STATE'.padEnd(13)} ${'MESSAGES'.padStart(9)}  LAST ERROR`,
          );
          for (const d of list) {
            const state = d.enabled ? (d.status?.state ?? 'not running') : 'disabled';
            const messages = String(d.status?.counters?.messages ?? '');
            console.log(
              `${d.id.padEnd(20)} ${d.type.padEnd(10)} ${state.padEnd(13)} ${messages.padStart(9)}  ${d.status?.lastError?.message ?? ''}`,
            );
          }
          console.log(`(${backend.where})`);
        }
      } else if (sub === 'show') {
        console.log(JSON.stringify(await backend.show(arg), null, 2));
      } else if (sub === 'rm') {
        await backend.remove(arg);
        console.log(`removed driver ${arg}; its datasources and their data stay (${backend.where})`);
      } else {
        const added = await backend.add({
          type: arg,
          ...(stringOption(values, 'id') ? { id: stringOption(values, 'id') } : {}),
          config: configFrom(values),
          enabled: !values.disabled,
        });
        const state = added.status ? `, ${added.status.state}` : '';
        console.log(`added driver ${added.id}${state} (${backend.where})`);
        if (added.status?.state === 'failed') console.log(`  last error: ${added.status.lastError?.message}`);
      }
      return 0;
    } finally {
      backend.close();
    }
  },
};

/** The config from --config, then --set KEY=VALUE, then the MQTT flags (later ones win). */
function configFrom(values: Record<string, unknown>): Record<string, unknown> {
  let config: Record<string, unknown> = {};
  const json = stringOption(values, 'config');
  if (json !== undefined) {
    try {
      config = JSON.parse(json);
    } catch (error) {
      throw new BadRequestError(`--config is not valid JSON: ${(error as Error).message}`);
    }
    if (config === null || typeof config !== 'object' || Array.isArray(config))
      throw new BadRequestError('--config must be a JSON object');
  }
  for (const pair of (values.set as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new BadRequestError(`--set ${pair}: expected KEY=VALUE`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {}
    config[pair.slice(0, eq)] = value;
  }
  const flags: Record<string, string> = {
    broker: 'url',
    username: 'username',
    password: 'password',
    'topic-prefix': 'topicPrefix',
    ca: 'ca',
  };
  for (const [flag, key] of Object.entries(flags)) {
    const value = stringOption(values, flag);
    if (value !== undefined) config[key] = value;
  }
  if (Array.isArray(values.topic)) config.topics = values.topic;
  return config;
}

/** The running box's API if it answers, else the store (an explicit --url must answer). */
async function connect(home: string | undefined, urlFlag: string | undefined): Promise<Backend> {
  const where = locateBox(home, urlFlag);
  if (where.staleNote) console.error(`note: ${where.staleNote}`);
  if (where.url && (await boxAnswers(where.url))) {
    const api = boxApi(where);
    return {
      where: `through the box at ${where.url}`,
      list: async () => ((await api('GET', '/drivers')) as { drivers: DriverView[] }).drivers,
      show: async (id) =>
        ((await api('GET', `/drivers/${encodeURIComponent(id)}`)) as { driver: DriverView }).driver,
      add: async (body) => ((await api('POST', '/drivers', body)) as { driver: DriverView }).driver,
      remove: async (id) => {
        await api('DELETE', `/drivers/${encodeURIComponent(id)}`);
      },
      close: () => {},
    };
  }
  if (where.explicit)
    throw new BadRequestError(`no box answers at ${where.url} (from ${where.source}); is it running?`);
  const store = openStore(home);
  const instances = new DriverInstances(store, DRIVER_TYPES);
  return {
    where: `no box is running${where.url ? ` (nothing answered at ${where.url})` : ''}: stored in ${where.paths.database}; it starts with the box`,
    list: async () => instances.list().map((i) => ({ ...i, config: redactConfig(i.config) })),
    show: async (id) => {
      const i = instances.get(id);
      return { ...i, config: redactConfig(i.config) };
    },
    add: async (body) => instances.add(body, 'user'),
    remove: async (id) => {
      instances.remove(id, 'user');
    },
    close: () => store.close(),
  };
}
