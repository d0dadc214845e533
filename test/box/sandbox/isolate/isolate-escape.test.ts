import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolateRuntime } from '../../../../box/sandbox/isolate/isolate-runtime.ts';
import { useTempDir } from '../../../helpers/temp-dir.ts';
import { recordingHandle, SMALL_LIMITS, writeApp } from './app-bundle.ts';

/** Escape attempts from app code. Every probe reports what it reached through `report(...)`. */
describe('IsolateRuntime: escape attempts', () => {
  const tempDir = useTempDir('databox-isolate-escape-');
  const runtime = new IsolateRuntime();
  let runs = 0;
  const runApp = async (body: string, answers: Parameters<typeof recordingHandle>[0] = {}, prelude = '') => {
    const dir = tempDir();
    const entry = writeApp(dir, body, prelude);
    const recorder = recordingHandle(answers);
    const outcome = await runtime.run({
      runId: `escape-${++runs}`,
      appDir: dir,
      entry,
      limits: SMALL_LIMITS,
      handle: recorder.handle,
    });
    return { outcome, ...recorder };
  };

  beforeAll(() => runtime.start());
  afterAll(() => runtime.stop());

  it('cannot reach process or require through constructors and Function', async () => {
    const { outcome, reports } = await runApp(
      `const probes = {
         thisConstructor: () => topThis.constructor.constructor('return typeof process')(),
         thisConstructorRequire: () => topThis.constructor.constructor('return typeof require')(),
         functionThis: () => typeof Function('return this')().process,
         functionGlobals: () => Function('return [typeof require, typeof module, typeof Buffer, typeof __dirname].join()')(),
         callConstructor: () => __databoxCall.constructor('return typeof process')(),
         consoleConstructor: () => console.log.constructor('return typeof process')(),
         promiseConstructor: () => __databoxCall('log', '{"level":"info","message":"x"}').constructor.constructor('return typeof process')(),
         globalThisProcess: () => typeof globalThis.process,
       };
       const results = {};
       for (const [name, probe] of Object.entries(probes)) {
         try { results[name] = probe(); } catch (e) { results[name] = 'threw ' + e.name; }
       }
       await report(results);`,
      {},
      'const topThis = this;',
    );
    expect(outcome.status).toBe('ok');
    expect(reports()).toEqual([
      {
        thisConstructor: 'undefined',
        thisConstructorRequire: 'undefined',
        functionThis: 'undefined',
        functionGlobals: 'undefined,undefined,undefined,undefined',
        callConstructor: 'undefined',
        consoleConstructor: 'undefined',
        promiseConstructor: 'undefined',
        globalThisProcess: 'undefined',
      },
    ]);
  });

  it('sees only the standard globals plus __databoxCall and __databoxRun, and no ivm object anywhere', async () => {
    const { outcome, reports } = await runApp(
      `const found = [];
       const seen = new Set();
       const queue = [[globalThis, 'globalThis']];
       while (queue.length > 0 && seen.size < 50000) {
         const [value, path] = queue.shift();
         if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) continue;
         seen.add(value);
         for (const key of Reflect.ownKeys(value)) {
           const descriptor = Object.getOwnPropertyDescriptor(value, key);
           const name = path + '.' + String(key);
           if (/^(derefInto|copy|copySync|applySync|applySyncPromise|applyIgnored|setSync|getSync)$/.test(String(key))) found.push(name);
           if (descriptor && 'value' in descriptor) queue.push([descriptor.value, name]);
         }
         queue.push([Object.getPrototypeOf(value), path + '.__proto__']);
       }
       await report({ globals: Object.getOwnPropertyNames(globalThis), symbols: Object.getOwnPropertySymbols(globalThis).length, found, visited: seen.size });`,
    );
    expect(outcome.status).toBe('ok');
    const [result] = reports() as Array<{
      globals: string[];
      symbols: number;
      found: string[];
      visited: number;
    }>;
    // A fresh V8 context (same engine) has exactly the standard globals (console included: V8 has one).
    const standard = new Set(Object.getOwnPropertyNames(vm.runInNewContext('globalThis')));
    expect(result.globals.filter((name) => !standard.has(name)).sort()).toEqual([
      '__databoxCall',
      '__databoxRun',
    ]);
    expect(result.symbols).toBe(Object.getOwnPropertySymbols(vm.runInNewContext('globalThis')).length);
    expect(result.found).toEqual([]);
    expect(result.visited).toBeGreaterThan(500); // the walk really covered the builtins
  });

  it('cannot replace or unfreeze __databoxCall', async () => {
    const { outcome, reports } = await runApp(
      `const before = __databoxCall;
       const descriptor = Object.getOwnPropertyDescriptor(globalThis, '__databoxCall');
       let assign = 'no error';
       try { (() => { 'use strict'; globalThis.__databoxCall = () => 'mine'; })(); } catch (e) { assign = e.name; }
       let redefine = 'no error';
       try { Object.defineProperty(globalThis, '__databoxCall', { value: () => 'mine' }); } catch (e) { redefine = e.name; }
       await report({ writable: descriptor.writable, configurable: descriptor.configurable, frozen: Object.isFrozen(__databoxCall),
         same: globalThis.__databoxCall === before, assign, redefine, deleted: delete globalThis.__databoxCall,
         ownKeys: Reflect.ownKeys(__databoxCall).map(String).sort() });`,
    );
    expect(outcome.status).toBe('ok');
    expect(reports()).toEqual([
      {
        writable: false,
        configurable: false,
        frozen: true,
        same: true,
        assign: 'TypeError',
        redefine: 'TypeError',
        deleted: false,
        ownKeys: ['length', 'name', 'prototype'],
      },
    ]);
  });

  it('keeps calls working after the app replaces JSON, String, Reflect and Promise methods', async () => {
    const { outcome, reports } = await runApp(
      `const realStringify = JSON.stringify;
       JSON.parse = () => ({ hijacked: true });
       JSON.stringify = () => '"hijacked"';
       String.prototype.slice = () => 'hijacked';
       String.prototype.charAt = () => '-';
       Reflect.apply = () => { throw new Error('hijacked'); };
       Array.prototype.map = () => ['hijacked'];
       for (const name of ['reference', 'externalCopy', 'copy', 'promise', 'timeout', 'release', 'transferIn', 'arguments', 'result']) {
         Object.defineProperty(Object.prototype, name, { get() { globalThis.optionGetterRan = true; return true; }, configurable: true });
       }
       const text = await __databoxCall('data.grants', '{}');
       await __databoxCall('insight.emit', realStringify({ key: 'report', title: 'r', data: { text, getterRan: globalThis.optionGetterRan === true } }));`,
      { 'data.grants': () => [{ request: 'power', resolution: '30min' }] },
    );
    expect(outcome).toMatchObject({ status: 'ok' });
    expect(reports()).toEqual([{ text: '[{"request":"power","resolution":"30min"}]', getterRan: false }]);
  });

  it('gives the host plain data only, and drops __proto__ keys the app sends', async () => {
    const { outcome, calls } = await runApp(
      `Object.prototype.polluted = 'yes';
       Array.prototype.alsoPolluted = 'yes';
       await call('data.read', { request: 'power', list: [1, 2] });
       await __databoxCall('data.read', '{"request":"power","__proto__":{"polluted":"yes"},"nested":{"__proto__":{"polluted":"yes"}}}');`,
      { 'data.read': () => ({ points: [] }) },
    );
    expect(outcome.status).toBe('ok');
    expect(calls.map((c) => c.method)).toEqual(['data.read', 'data.read']);
    const [first, second] = calls.map((c) => c.params as Record<string, unknown>);
    expect(first).toEqual({ request: 'power', list: [1, 2] });
    expect(Object.getPrototypeOf(first)).toBe(Object.prototype);
    expect('polluted' in first).toBe(false);
    expect('alsoPolluted' in (first.list as object)).toBe(false);
    // Object.assign copies an own "__proto__" with [[Set]], i.e. it would set the prototype.
    const merged = Object.assign({}, second) as Record<string, unknown>;
    expect(merged.polluted).toBeUndefined();
    expect(Object.assign({}, second.nested) as Record<string, unknown>).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('hands results over as the isolate’s own plain objects, useless for reaching the host', async () => {
    const { outcome, reports } = await runApp(
      `const result = await call('data.grants');
       const facts = {
         ownObjectPrototype: Object.getPrototypeOf(result) === Object.prototype,
         ownArray: result.nested.list instanceof Array,
         viaConstructor: result.constructor.constructor('return typeof process')(),
       };
       result.constructor.prototype.hacked = 'yes';
       result.__proto__.hacked2 = 'yes';
       const again = await call('data.grants');
       await report({ ...facts, againEqual: JSON.stringify(again) === JSON.stringify({ nested: { list: [1, 2] } }) });`,
      { 'data.grants': () => ({ nested: { list: [1, 2] } }) },
    );
    expect(outcome.status).toBe('ok');
    expect(reports()).toEqual([
      { ownObjectPrototype: true, ownArray: true, viaConstructor: 'undefined', againEqual: true },
    ]);
    expect(({} as Record<string, unknown>).hacked).toBeUndefined();
  });

  it('refuses Proxy, getter, toJSON and object arguments before they reach the host, running no app code', async () => {
    const { outcome, calls, reports } = await runApp(
      `const trapped = [];
       const trap = new Proxy({}, { get(_t, key) { trapped.push(String(key)); return () => 'data.read'; }, ownKeys() { trapped.push('ownKeys'); return []; } });
       const attempts = {
         proxyMethod: () => __databoxCall(trap, '{}'),
         proxyParams: () => __databoxCall('data.read', trap),
         objectParams: () => __databoxCall('data.read', { request: 'power' }),
         toJSONParams: () => __databoxCall('data.read', { toJSON() { trapped.push('toJSON'); return '{}'; } }),
         getterParams: () => __databoxCall('data.read', { get request() { trapped.push('getter'); return 'power'; } }),
         stringObject: () => __databoxCall('data.read', new String('{}')),
         toStringMethod: () => __databoxCall({ toString() { trapped.push('toString'); return 'data.read'; } }, '{}'),
         badJson: () => __databoxCall('data.read', '{nope'),
       };
       const results = {};
       for (const [name, attempt] of Object.entries(attempts)) {
         try { await attempt(); results[name] = 'resolved'; } catch (e) { results[name] = e.message; }
       }
       await report({ results, trapped });`,
      { 'data.read': () => ({ points: [] }) },
    );
    expect(outcome.status).toBe('ok');
    expect(calls.map((c) => c.method)).toEqual(['insight.emit']); // not a single data.read got through
    const [{ results, trapped }] = reports() as Array<{ results: Record<string, string>; trapped: string[] }>;
    expect(trapped).toEqual([]);
    const notAString = /must be a string|must be JSON text|takes a method name and JSON text/;
    for (const name of [
      'proxyMethod',
      'proxyParams',
      'objectParams',
      'toJSONParams',
      'getterParams',
      'stringObject',
      'toStringMethod',
    ]) {
      expect(results[name], name).toMatch(notAString);
    }
    expect(results.badJson).toBe('the params of data.read are not valid JSON');
  });

  it('shows the app the handle’s error message without host stack frames', async () => {
    const { outcome, reports } = await runApp(
      `try { await call('export.request', { destination: 'x', payload: 1 }); }
       catch (e) { await report({ message: e.message, stack: String(e.stack) }); }`,
      {
        'export.request': () => {
          throw new Error('destination x was not approved');
        },
      },
    );
    expect(outcome.status).toBe('ok');
    const [{ message, stack }] = reports() as Array<{ message: string; stack: string }>;
    expect(message).toBe('destination x was not approved');
    expect(stack).not.toContain(process.cwd());
    expect(stack).not.toMatch(/isolate-run|isolate-runtime|node:internal|file:\/\//);
  });
});
