import { type Device, DeviceRegistry } from '../../devices/device-registry.ts';
import { BadRequestError } from '../../errors.ts';
import { type Command, HOME_OPTION, URL_OPTION } from '../command.ts';
import { openBoxStore } from '../find-box.ts';

const SUBCOMMANDS = ['list', 'rename', 'room'];

function listLines(devices: Device[]): string[] {
  if (devices.length === 0)
    return ['no devices yet (they appear when a driver or an import adds datasources)'];
  const lines = [`${'DEVICE'.padEnd(28)} ${'NAME'.padEnd(24)} ${'ROOM'.padEnd(16)} DATASOURCES`];
  for (const d of devices)
    lines.push(
      `${d.id.padEnd(28)} ${d.name.padEnd(24)} ${(d.room || '—').padEnd(16)} ${d.datasources.map((s) => s.id).join(', ')}`,
    );
  return lines;
}

/** `databox device`: the datasources grouped into devices, and their names and rooms. */
export const deviceCommand: Command = {
  name: 'device',
  summary: 'List devices (datasources grouped by the thing that measures them); name them, set their room',
  usage: 'device list | rename DEVICE NAME | room DEVICE ROOM',
  options: {
    home: HOME_OPTION,
    url: URL_OPTION,
    json: { type: 'boolean', description: 'list: print JSON' },
  },
  details: [
    'A device is one physical thing: a Zigbee plug’s power, energy, voltage and current datasources',
    'are one device. Its id is derived from the datasource ids and never changes; a name or room of',
    '"" puts the default back. Every change is audited (device.label).',
    'Examples:',
    '  databox device list',
    '  databox device rename z2m.kitchen-plug "Kettle"',
    '  databox device room z2m.kitchen-plug Kitchen',
  ],
  async run({ values, positionals }) {
    const [sub, id, text, ...extra] = positionals;
    if (!SUBCOMMANDS.includes(sub))
      throw new BadRequestError(
        `device needs one of ${SUBCOMMANDS.join(', ')} (got ${sub ?? 'nothing'}); see --help`,
      );
    if (sub !== 'list' && (id === undefined || text === undefined || extra.length > 0))
      throw new BadRequestError(
        `device ${sub} needs a DEVICE id and one ${sub === 'rename' ? 'NAME' : 'ROOM'} (quote it if it has spaces)`,
      );
    const store = await openBoxStore(values, { mustExist: true });
    try {
      const devices = new DeviceRegistry(store);
      if (sub === 'list') {
        const list = devices.list();
        if (values.json)
          console.log(
            JSON.stringify(
              list.map((d) => ({ ...d, datasources: d.datasources.map((s) => s.id) })),
              null,
              2,
            ),
          );
        else for (const line of listLines(list)) console.log(line);
        return 0;
      }
      const after = devices.update(id, sub === 'rename' ? { name: text } : { room: text }, 'user');
      console.log(
        sub === 'rename'
          ? `${after.id} is now called "${after.name}"${after.named ? '' : ' (the default)'}`
          : after.room
            ? `${after.id} (${after.name}) is in ${after.room}`
            : `${after.id} (${after.name}) has no room`,
      );
      return 0;
    } finally {
      store.close();
    }
  },
};
