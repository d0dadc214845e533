import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileBox, hostileIsolateApp, startHostileBox } from './hostile-box.ts';

/**
 * The isolate escapes a red team tried against a running box that HELD (issue 9), kept as attacks:
 * each hostile app is installed over the HTTP API of a real `databox start` daemon, runs in the real
 * isolate runtime, tries its way out and reports what it reached. The container ones (read-only
 * root, capabilities, seccomp, fork bomb, egress) are in test/integration/container-app-escape.test.ts.
 */

let box: HostileBox;
beforeAll(async () => {
  box = await startHostileBox();
  await box.seedPower(3);
}, 60_000);
afterAll(async () => {
  await box?.stop();
});

async function attack(id: string, body: string, prelude = '') {
  const folder = hostileIsolateApp(box.scratch(), id, body, prelude);
  const installed = await box.install(folder, { power: '30min' });
  expect(installed.status, JSON.stringify(installed.body)).toBe(201);
  const run = await box.run(id);
  const reports = (await box.reports(id)) as Array<Record<string, unknown>>;
  return { run, report: reports.at(-1) ?? {} };
}

describe('held: isolate escapes against a real box', () => {
  it('constructor chains reach no process, require or host global', async () => {
    const { run, report } = await attack(
      'ctor-chains',
      `
      const tries = {};
      const probe = (name, fn) => { try { const v = fn(); tries[name] = v === undefined || v === null ? String(v) : typeof v === 'object' || typeof v === 'function' ? Object.keys(v).slice(0, 5).join(',') || typeof v : String(v); } catch (e) { tries[name] = 'threw ' + e.name; } };
      probe('fnCtor', () => (function () {}).constructor('return typeof process')());
      probe('asyncCtor', () => (async function () {}).constructor.constructor('return typeof require')());
      probe('callCtor', () => __databoxCall.constructor('return typeof process')());
      let errorCtor = 'no error';
      try { await __databoxCall('no.such.method', '{}'); } catch (e) {
        errorCtor = e.constructor.constructor('return typeof process + "/" + typeof require + "/" + typeof globalThis.ivm')();
      }
      tries.errorCtor = errorCtor;
      const answer = await call('data.grants');
      tries.resultCtor = answer.constructor.constructor('return typeof process')();
      await report(tries);
      `,
    );
    expect(run.status, run.error ?? '').toBe('ok');
    expect(report).toEqual({
      fnCtor: 'undefined',
      asyncCtor: 'undefined',
      callCtor: 'undefined',
      errorCtor: 'undefined/undefined/undefined',
      resultCtor: 'undefined',
    });
  });

  it('Error.prepareStackTrace sees no host frames, functions or receivers', async () => {
    const { run, report } = await attack(
      'stack-trace',
      `
      const seen = { frames: 0, functions: 0, receivers: 0, files: [] };
      Error.prepareStackTrace = (error, frames) => {
        for (const f of frames) {
          seen.frames++;
          try { if (f.getFunction && f.getFunction()) seen.functions++; } catch {}
          try { const r = f.getThis && f.getThis(); if (r && r !== globalThis) seen.receivers++; } catch {}
          try { seen.files.push(String(f.getFileName())); } catch {}
        }
        return 'stack';
      };
      try { await __databoxCall('data.read', '{"request":"nope"}'); } catch (e) { void e.stack; }
      try { await __databoxCall('data.read', 'not json'); } catch (e) { void e.stack; }
      try { null.x; } catch (e) { void e.stack; }
      await report(seen);
      `,
    );
    expect(run.status, run.error ?? '').toBe('ok');
    const files = report.files as string[];
    // only the app's own frames: nothing from node, the host or the box's folders
    expect(files.filter((f) => /node:|internal\/|\/box\/|isolate-host|databox-redteam/.test(f))).toEqual([]);
    expect(report.receivers).toBe(0);
  });

  it('Proxies, getters and toJSON in arguments never run on the host side', async () => {
    const { run, report } = await attack(
      'proxy-args',
      `
      globalThis.ran = [];
      const evil = new Proxy({}, { get(t, k) { ran.push('proxy:' + String(k)); return undefined; } });
      const getter = { get request() { ran.push('getter'); return 'power'; } };
      const outcomes = {};
      for (const [name, arg] of Object.entries({ evil, getter, toJSON: { toJSON() { ran.push('toJSON'); return '{}'; } } })) {
        try { await __databoxCall('data.read', arg); outcomes[name] = 'accepted'; } catch (e) { outcomes[name] = 'refused'; }
      }
      const ranBeforeReport = ran.slice();
      await report({ outcomes, ran: ranBeforeReport });
      `,
    );
    expect(run.status, run.error ?? '').toBe('ok');
    expect(report).toEqual({
      outcomes: { evil: 'refused', getter: 'refused', toJSON: 'refused' },
      ran: [],
    });
  });

  it('species and prototype spoofing do not steer what the box hands back', async () => {
    const { run, report } = await attack(
      'species',
      `
      class Evil extends Array { static get [Symbol.species]() { return Evil; } }
      Object.defineProperty(Array, Symbol.species, { get() { return Evil; }, configurable: true });
      Object.defineProperty(Promise, Symbol.species, { get() { return Promise; }, configurable: true });
      Array.prototype.map = function () { return ['spoofed']; };
      Array.prototype[Symbol.iterator] = function* () { yield 'spoofed'; };
      Object.defineProperty(Object.prototype, 'request', { get() { return 'spoofed'; }, set() {}, configurable: true });
      const text = await __databoxCall('data.grants', '{}');
      delete Object.prototype.request;
      const grants = JSON.parse(text);
      const again = JSON.parse(await __databoxCall('data.grants', '{}'));
      await report({ isArray: Array.isArray(grants), n: grants.length, request: grants[0].request, again: again[0].request, ownProto: Object.getPrototypeOf(grants) === Array.prototype });
      `,
    );
    expect(run.status, run.error ?? '').toBe('ok');
    // the host answered with the real grant, whatever the app did to its own built-ins
    expect(report).toEqual({ isArray: true, n: 1, request: 'power', again: 'power', ownProto: true });
  });

  it('prototype pollution stays in the run: the next run and the box are clean', async () => {
    const first = await attack(
      'polluter',
      `
      Object.prototype.polluted = 'yes';
      Array.prototype.polluted = 'yes';
      JSON.parse = () => ({ hijacked: true });
      await __databoxCall('insight.emit', '{"key":"report","title":"report","data":{"__proto__":{"isAdmin":true},"polluted":"mine"}}');
      `,
    );
    expect(first.run.status, first.run.error ?? '').toBe('ok');
    // the box stored plain data: no prototype smuggled through __proto__
    expect(first.report).toEqual({ polluted: 'mine' });
    const second = await attack(
      'victim',
      `await report({ polluted: ({}).polluted ?? null, arr: [].polluted ?? null });`,
    );
    expect(second.report).toEqual({ polluted: null, arr: null });
    // the daemon still answers and its status is sane
    const status = await box.api('GET', '/api/v1/status');
    expect(status.status).toBe(200);
  });
});
