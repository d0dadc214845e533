import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDockerClient } from '../../box/containers/docker-client.ts';
import { ensureNodeBaseImage } from '../../box/containers/node-image.ts';
import { CLIENT_CJS } from '../box/sandbox/container/container-test-app.ts';
import { describeWithDocker, dockerAvailable } from '../helpers/services.ts';
import { type HostileBox, hostileIsolateApp, startHostileBox } from './hostile-box.ts';

/**
 * The household's zone says roughly where the home is: an app learns it only if its manifest
 * asks and the householder agrees (issue 12). A real `databox start` daemon on a machine whose
 * zone is Asia/Kathmandu (TZ in its environment, no zone configured, so that is also the box's
 * zone), and hostile apps that try the SDK's route directly and their sandbox's own clock:
 * `Intl`, `Date#getTimezoneOffset`, `Date#toString`. In an isolate and in containers, including
 * one whose image carries an /etc/localtime of its own.
 */

const ZONE = 'Asia/Kathmandu';
// with no zone configured the box's is the system's, as ICU names it (its old spelling)
const ICU_ZONE = expect.stringMatching(/^Asia\/Kath?mandu$/);
const LOCALTIME_IMAGE = 'databox/test-localtime:ktm';
const docker = createDockerClient();
let box: HostileBox;
const savedTz = process.env.TZ;

beforeAll(async () => {
  process.env.TZ = ZONE; // inherited by the daemon, and by its isolate host unless it sets its own
  box = await startHostileBox();
  await box.seedPower(1);
  // the isolate tests need no Docker; without it the container suite is skipped (or, in CI, fails)
  if (!(await dockerAvailable())) return;
  const base = await ensureNodeBaseImage(docker);
  // an image whose own clock is set to the zone, as a householder's imported image might be: the
  // node base image plus /etc/localtime → Asia/Kathmandu (made with node; the image has no shell)
  const maker = await docker.createContainer({
    Image: base,
    User: '0:0',
    Cmd: ['-e', `require('fs').symlinkSync('/usr/share/zoneinfo/${ZONE}', '/etc/localtime')`],
    NetworkDisabled: true,
  });
  await maker.start();
  await maker.wait();
  const [repo, tag] = LOCALTIME_IMAGE.split(':');
  await maker.commit({ repo, tag });
  await maker.remove();
}, 120_000);
afterAll(async () => {
  await box?.stop();
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
  if (await dockerAvailable())
    await docker
      .getImage(LOCALTIME_IMAGE)
      .remove()
      .catch(() => {});
});

/** What a sandbox's own clock says, as JavaScript (same in an isolate and in node). */
const CLOCK = `{
  intl: Intl.DateTimeFormat().resolvedOptions().timeZone,
  offsetJan: new Date(2024, 0, 1).getTimezoneOffset(),
  offsetJul: new Date(2024, 6, 1).getTimezoneOffset(),
  dateText: new Date(0).toString(),
}`;

const UTC_CLOCK = { intl: 'UTC', offsetJan: 0, offsetJul: 0 };

function withTimeZoneRequest(folder: string, runtime?: Record<string, unknown>): void {
  const path = join(folder, 'databox-app.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  manifest.timeZone = { reason: 'to say evening' };
  if (runtime) manifest.runtime = runtime;
  writeFileSync(path, JSON.stringify(manifest));
}

async function install(folder: string, timeZone: boolean) {
  const res = await box.api('POST', '/api/v1/apps', {
    source: folder,
    grants: { power: { datasource: 'meter.power', resolution: '30min', history: 'P1D' } },
    ...(timeZone ? { timeZone: true } : {}),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function report(appId: string): Promise<Record<string, unknown>> {
  const run = await box.run(appId);
  expect(run.status, `${run.error}\n${run.logs.join('\n')}`).toBe('ok');
  const reports = await box.reports(appId);
  return reports.at(-1) as Record<string, unknown>;
}

/** A container probe: the raw API route with the run's token, and the container's own clock. */
function containerProbe(id: string, image: string, asks: boolean): string {
  const folder = hostileIsolateApp(box.scratch(), id, '');
  withTimeZoneRequest(folder, { type: 'container', image, command: ['/app/dist/app.js'] });
  if (!asks) {
    const path = join(folder, 'databox-app.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    delete manifest.timeZone;
    writeFileSync(path, JSON.stringify(manifest));
  }
  writeFileSync(join(folder, 'dist', 'client.cjs'), CLIENT_CJS);
  writeFileSync(
    join(folder, 'dist', 'app.js'),
    `const { call } = require('./client.cjs');
(async () => {
  const direct = await call('box.timeZone', {});
  const data = { direct: direct.body, env: process.env.TZ ?? null, ...${CLOCK} };
  const r = await call('insight.emit', { key: 'report', title: 'report', data });
  process.exit(r.status === 200 ? 0 : 1);
})();`,
  );
  return folder;
}

it('an isolate app that did not ask: no zone from the raw route, and its clock is UTC, not the host zone', async () => {
  const folder = hostileIsolateApp(
    box.scratch(),
    'tz-isolate',
    `await report({ direct: await call('box.timeZone', {}), ...${CLOCK} });`,
  );
  await install(folder, false);
  const seen = await report('tz-isolate');
  expect(seen).toMatchObject({ direct: { timeZone: null }, ...UTC_CLOCK });
  expect(String(seen.dateText)).not.toMatch(/\+0545|Nepal/);
}, 60_000);

it('an isolate app that asked and was granted is told the box zone; its own clock stays UTC', async () => {
  const folder = hostileIsolateApp(
    box.scratch(),
    'tz-isolate-granted',
    `await report({ direct: await call('box.timeZone', {}), ...${CLOCK} });`,
  );
  withTimeZoneRequest(folder);
  await install(folder, true);
  expect(await report('tz-isolate-granted')).toMatchObject({ direct: { timeZone: ICU_ZONE }, ...UTC_CLOCK });
}, 60_000);

describeWithDocker('container apps and the zone', () => {
  it('a container app that did not ask: the raw route answers null; the container clock is UTC', async () => {
    await install(containerProbe('tz-container', 'databox/node-base', false), false);
    const seen = await report('tz-container');
    expect(seen).toMatchObject({ direct: { result: { timeZone: null } }, ...UTC_CLOCK });
    expect(String(seen.dateText)).not.toMatch(/\+0545|Nepal/);
  }, 120_000);

  it('an image with its own /etc/localtime still runs in UTC; the zone comes only by grant', async () => {
    await install(containerProbe('tz-localtime', LOCALTIME_IMAGE, true), false);
    const declined = await report('tz-localtime');
    expect(declined).toMatchObject({ direct: { result: { timeZone: null } }, env: 'UTC', ...UTC_CLOCK });
    const granted = await box.api('PUT', '/api/v1/apps/tz-localtime/grants', {
      grants: { power: { datasource: 'meter.power', resolution: '30min', history: 'P1D' } },
      timeZone: true,
    });
    expect(granted.status, JSON.stringify(granted.body)).toBe(200);
    expect(await report('tz-localtime')).toMatchObject({
      direct: { result: { timeZone: ICU_ZONE } },
      ...UTC_CLOCK,
    });
  }, 120_000);
});
