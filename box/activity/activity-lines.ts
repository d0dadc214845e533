import type { ActivityGroup } from './activity-groups.ts';
import { hostOf, plural, stepWords, windowWords } from './activity-words.ts';

/** Names for the ids in the trail: an app's name, a driver's, a datasource's in words. */
export interface ActivityNames {
  /** `app:<id>`, `driver:<id>`, `user`, `box`, `gateway` → `Energy insights`, `Driver “home”`, `You`… */
  actor(actor: string): string;
  /** An app id (the subject of app and export entries) → its name. */
  app(id: string): string;
  /** A datasource id → `power of P1 meter` (the id itself when it is gone). */
  source(id: string): string;
  /** A device id → its name now (the id when it is gone). */
  device(id: string): string;
}

/** One line of the feed: a sentence and the raw entries it stands for. */
export interface ActivityLine {
  text: string;
  /** `data` (data read or written), `export` (left or tried to leave the home), `consent`, `box`. */
  topic: 'data' | 'export' | 'consent' | 'box';
  /** A read refused, an export failed, a run ended in error, a sign-in refused. */
  warning: boolean;
  group: ActivityGroup;
}

const times = (n: number) => (n === 1 ? '' : `, ${plural(n, 'time')}`);

type Describe = (g: ActivityGroup, n: ActivityNames) => [string, ActivityLine['topic'], boolean?];

function read(g: ActivityGroup, n: ActivityNames): [string, ActivityLine['topic']] {
  const [resolution, minutes] = (g.variant ?? 'raw|').split('|');
  const window = minutes ? `${windowWords(Number(minutes))} of ` : '';
  const what = g.action === 'kv.read' ? `the entries of ${n.source(g.subject)}` : n.source(g.subject);
  const step = g.action === 'readings.read' ? ` at ${stepWords(resolution)}` : '';
  const rows = g.amount > 0 ? ` (${plural(g.amount, 'row')} in all)` : '';
  return [`${n.actor(g.actor)} read ${window}${what}${step}${times(g.count)}${rows}`, 'data'];
}

function exported(verb: string, warning = false): Describe {
  return (g, n) => {
    const [destination, url] = (g.variant ?? '|').split('|');
    const host = url ? hostOf(url) : 'its destination';
    return [
      verb
        .replace('{n}', plural(g.count, destination || 'export'))
        .replace('{host}', host)
        .replace('{app}', n.app(g.subject)),
      'export',
      warning,
    ];
  };
}

const DESCRIBE: Record<string, Describe> = {
  'readings.read': read,
  'events.read': read,
  'kv.read': read,
  'readings.write': (g, n) => [
    `${n.actor(g.actor)} stored ${plural(g.amount, 'reading')} of ${n.source(g.subject)} (${plural(g.count, 'ingest window')})`,
    'data',
  ],
  'events.write': (g, n) => [
    `${n.actor(g.actor)} stored ${plural(g.amount, 'event')} of ${n.source(g.subject)}`,
    'data',
  ],
  'kv.set': (g, n) => [`${n.actor(g.actor)} set ${plural(g.count, 'key')} of ${n.source(g.subject)}`, 'data'],
  'readings.refuse': (g, n) => [
    `${n.actor(g.actor)} was refused ${plural(g.count, 'read')}${g.subject ? ` of ${n.source(g.subject)}` : ''}`,
    'data',
    true,
  ],
  'readings.refuse.summary': (g, n) => [
    `${n.actor(g.actor)} had more reads refused (counted, ${plural(g.count, 'run')})`,
    'data',
    true,
  ],
  'readings.erase': (g, n) => [
    `${n.actor(g.actor)} erased readings of ${n.source(g.subject)}${times(g.count)}`,
    'data',
  ],
  'retention.apply': (g, n) => [
    `Raw readings of ${n.source(g.subject)} past their keep time expired (the rollups stay)`,
    'data',
  ],
  'export.request': exported('{app} asked to send {n} to {host}'),
  'export.delivered': exported('{n} sent to {host}'),
  'export.failed': exported('{n} could not be sent to {host}', true),
  'export.approve': exported('You approved {n} for {host}'),
  'export.reject': exported('You rejected {n} for {host}'),
  'export.refuse': (g, n) => [`${n.app(g.subject)} was refused ${plural(g.count, 'export')}`, 'export', true],
  'export.mode': (g, n) => [`You changed how ${n.app(g.subject)}’s exports are reviewed`, 'export'],
  'export.retry': (g, n) => [
    `You asked to retry ${plural(g.count, 'export')} of ${n.app(g.subject)}`,
    'export',
  ],
  'app.run.end': (g, n) => {
    const ok = g.variant === 'ok';
    return [
      `${n.app(g.subject)} ran${times(g.count) || ' once'}${ok ? '' : ` and ended with “${g.variant ?? 'unknown'}”`}`,
      'data',
      !ok,
    ];
  },
  'app.kv.set': (g, n) => [
    `${n.app(g.subject)} wrote to its own storage (${plural(g.count, 'new key')})`,
    'data',
  ],
  'app.kv.summary': (g, n) => [
    `${n.app(g.subject)} wrote to its own storage in ${plural(g.count, 'run')}`,
    'data',
  ],
  'app.install': (g, n) => [`You installed ${n.app(g.subject)}`, 'consent'],
  'app.uninstall': (g, n) => [
    `You removed ${n.app(g.subject)} (its consent ended, its storage wiped)`,
    'consent',
  ],
  'app.grant': (g, n) => [`You gave ${n.app(g.subject)} consent${times(g.count)}`, 'consent'],
  'app.decline': (g, n) => [`You declined ${n.app(g.subject)}`, 'consent'],
  'app.revoke': (g, n) => [`You revoked access of ${n.app(g.subject)}`, 'consent'],
  'app.settings': (g, n) => [`You changed the settings of ${n.app(g.subject)}`, 'consent'],
  'app.quota': (g, n) => [`You changed the limits of ${n.app(g.subject)}`, 'consent'],
  'user.signin': (g) =>
    g.variant === '1'
      ? [`You signed in${times(g.count)}`, 'box']
      : [`${plural(g.count, 'sign-in')} refused`, 'box', true],
  'user.signout': (g) => [`You signed out${times(g.count)}`, 'box'],
  'auth.failure': (g) => [`${plural(g.count, 'API call')} refused: no valid token`, 'box', true],
  'box.start': (g) => [`The box started${times(g.count)}`, 'box'],
  'box.stop': (g) => [`The box stopped${times(g.count)}`, 'box'],
  'box.backup': (g) => [`You made ${plural(g.count, 'backup')}`, 'box'],
  'box.check': (g) => [`You ran ${plural(g.count, 'full check')} of the box`, 'box'],
  'datasource.create': (g, n) => [`New datasource ${g.subject} from ${n.actor(g.actor)}`, 'data'],
  'datasource.delete': (g) => [`You deleted datasource ${g.subject} and its data`, 'data'],
  'device.label': (g, n) => [`You renamed ${n.device(g.subject)} or set its room${times(g.count)}`, 'box'],
  'config.change': () => ['The box started with a changed config.json', 'box'],
  'driver.add': (g) => [`You added driver “${g.subject}”`, 'data'],
  'driver.update': (g) => [`You changed driver “${g.subject}”${times(g.count)}`, 'data'],
  'driver.remove': (g) => [`You removed driver “${g.subject}” (its data stays)`, 'data'],
  'user.password.set': () => ['The dashboard password was set', 'box'],
  'settings.change': (g) => [`You changed the ${g.subject} settings`, 'box'],
};

/**
 * The feed line for one group of audit entries: "Energy insights read 90 days of power of P1
 * meter at 30-minute steps", "1 summary sent to energy-coop.example", "Driver “home” stored 8,640
 * readings of power of P1 meter (24 ingest windows)". Actions without a sentence get a plain one.
 */
export function activityLine(group: ActivityGroup, names: ActivityNames): ActivityLine {
  const describe = DESCRIBE[group.action];
  if (describe) {
    const [text, topic, warning = false] = describe(group, names);
    return { text, topic, warning, group };
  }
  const about = group.subject ? ` (${group.subject})` : '';
  return {
    text: `${names.actor(group.actor)}: ${group.action}${about}${times(group.count)}`,
    topic: 'box',
    warning: false,
    group,
  };
}
