import { BadRequestError } from '../../errors.ts';
import { type Command, HOME_OPTION, stringOption, URL_OPTION } from '../command.ts';
import { openBoxStore } from '../find-box.ts';

const SUBCOMMANDS = ['list', 'add', 'show', 'rm'];

export const datasourceCommand: Command = {
  name: 'datasource',
  summary: 'List, add, show or remove datasources in the catalogue.',
  usage: 'datasource list|add|show|rm [ID] [options]',
  options: {
    home: HOME_OPTION,
    url: URL_OPTION,
    kind: {
      type: 'string',
      description: 'add: what it measures, e.g. electricity.import.power',
      placeholder: 'KIND',
    },
    unit: { type: 'string', description: 'add: unit of the values, e.g. W, kWh, °C', placeholder: 'UNIT' },
    type: { type: 'string', description: 'add: gauge (default), counter, event or kv', placeholder: 'TYPE' },
    description: { type: 'string', description: 'add: free text', placeholder: 'TEXT' },
    location: { type: 'string', description: 'add: where it is, e.g. kitchen', placeholder: 'TEXT' },
    vendor: { type: 'string', description: 'add: maker of the device', placeholder: 'TEXT' },
    'keep-raw': {
      type: 'string',
      description: 'add: keep raw readings this long (ISO 8601, e.g. P30D)',
      placeholder: 'DURATION',
    },
    json: { type: 'boolean', description: 'list/show: print JSON' },
  },
  details: [
    'Examples:',
    '  databox datasource add meter.power --kind electricity.import.power --unit W',
    '  databox datasource add meter.energy --kind electricity.import.energy --unit kWh --type counter --keep-raw P30D',
    '  databox datasource rm meter.power',
  ],
  async run({ values, positionals }) {
    const [sub, id] = positionals;
    if (!SUBCOMMANDS.includes(sub)) {
      throw new BadRequestError(
        `datasource needs one of ${SUBCOMMANDS.join(', ')} (got ${sub ?? 'nothing'}); see --help`,
      );
    }
    const store = await openBoxStore(values);
    try {
      if (sub === 'list') {
        const list = store.listDatasources();
        if (values.json) console.log(JSON.stringify(list, null, 2));
        else if (list.length === 0)
          console.log('no datasources yet (add one with "databox datasource add ID --kind … --unit …")');
        else {
          console.log(`${'ID'.padEnd(32)} ${'KIND'.padEnd(30)} ${'UNIT'.padEnd(6)} TYPE`);
          for (const d of list)
            console.log(`${d.id.padEnd(32)} ${d.kind.padEnd(30)} ${d.unit.padEnd(6)} ${d.valueType}`);
        }
        return 0;
      }
      if (!id) throw new BadRequestError(`datasource ${sub} needs an ID`);
      if (sub === 'show') {
        console.log(JSON.stringify(store.getDatasource(id), null, 2));
      } else if (sub === 'add') {
        const keepRaw = stringOption(values, 'keep-raw');
        const created = store.createDatasource(
          {
            id,
            kind: stringOption(values, 'kind'),
            unit: stringOption(values, 'unit') ?? '',
            valueType: stringOption(values, 'type') ?? 'gauge',
            description: stringOption(values, 'description'),
            location: stringOption(values, 'location'),
            vendor: stringOption(values, 'vendor'),
            ...(keepRaw ? { retention: { raw: keepRaw } } : {}),
          },
          'user',
        );
        console.log(
          `added ${created.id} (${created.kind}, ${created.unit || 'no unit'}, ${created.valueType})`,
        );
      } else {
        store.deleteDatasource(id, 'user');
        console.log(`removed ${id} and all its data`);
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
