/**
 * The script the isolate host evaluates in every fresh context before the app bundle, with
 * `context.evalClosure(BOOTSTRAP_SOURCE, [hostCall], { arguments: { reference: true }, result: { reference: true } })`.
 *
 * `$0` is an ivm Reference to the host's call function. It lives only in this closure: nothing
 * the app can reach (globals, prototypes, the functions it is given) leads to it, so app code
 * never touches an ivm object or a host reference. The bootstrap
 * - defines `globalThis.__databoxCall(method, paramsJson): Promise<string>` as a frozen,
 *   non-writable, non-configurable plain function; it accepts only primitive strings (a Proxy,
 *   a `String` object or anything with getters is refused before the host sees it) and passes
 *   them by copy; the host answers `'+' + resultJson` or `'-' + {"message","code"}`, which the
 *   wrapper turns into the resolved JSON text or a rejected Error created in this isolate (so no
 *   host stack or host prototype ever reaches the app);
 * - routes `console.*` through the `log` method of the same call;
 * - returns (as a Reference the host keeps) the starter that calls `globalThis.__databoxRun()`
 *   and answers `''` on success or JSON `{ "message", "stack", "code" }` describing what the app threw.
 * Every intrinsic it uses is captured first, so an app that replaces `JSON`, `String` or
 * `Reflect` breaks only itself. It is strict code, so stack-trace call sites never hand out its
 * functions.
 */
export const BOOTSTRAP_SOURCE = `'use strict';
const hostCall = $0;
const refApply = hostCall.apply;
const { apply: reflectApply } = Reflect;
const { parse, stringify } = JSON;
const { freeze, defineProperty, setPrototypeOf } = Object;
const ErrorCtor = Error;
const TypeErrorCtor = TypeError;
const StringCtor = String;
const strSlice = String.prototype.slice;
const strCharAt = String.prototype.charAt;
const arrayMap = Array.prototype.map;
const arrayJoin = Array.prototype.join;
const promiseThen = Promise.prototype.then;
// Null-prototype options: isolated-vm reads option names that are not set here (reference,
// externalCopy, ...), and the app must not be able to answer them with getters on Object.prototype.
const plain = (object) => freeze(setPrototypeOf(object, null));
const callOptions = plain({ arguments: plain({ copy: true }), result: plain({ promise: true, copy: true }) });

async function call(method, paramsJson) {
  if (typeof method !== 'string') throw new TypeErrorCtor('__databoxCall: the method must be a string');
  if (typeof paramsJson !== 'string') throw new TypeErrorCtor('__databoxCall: the params must be JSON text (a string)');
  const reply = await reflectApply(refApply, hostCall, [undefined, [method, paramsJson], callOptions]);
  if (typeof reply !== 'string') throw new ErrorCtor('__databoxCall: the box sent a malformed reply');
  const body = reflectApply(strSlice, reply, [1]);
  if (reflectApply(strCharAt, reply, [0]) === '+') return body;
  const info = parse(body);
  const error = new ErrorCtor(StringCtor(info.message));
  if (typeof info.code === 'string') error.code = info.code;
  throw error;
}

const databoxCall = freeze(function __databoxCall(method, paramsJson) {
  return call(method, paramsJson);
});
defineProperty(globalThis, '__databoxCall', { value: databoxCall, writable: false, configurable: false, enumerable: false });

function formatArg(arg) {
  if (typeof arg === 'string') return arg;
  try {
    const text = stringify(arg);
    return typeof text === 'string' ? text : StringCtor(arg);
  } catch {
    return '[unprintable]';
  }
}
function logger(level) {
  return function (...args) {
    let message;
    try {
      message = reflectApply(arrayJoin, reflectApply(arrayMap, args, [formatArg]), [' ']);
    } catch {
      message = '[unprintable]';
    }
    reflectApply(promiseThen, call('log', stringify({ level, message })), [undefined, () => {}]);
  };
}
const consoleObject = freeze({
  log: logger('info'),
  info: logger('info'),
  debug: logger('info'),
  warn: logger('warn'),
  error: logger('error'),
});
defineProperty(globalThis, 'console', { value: consoleObject, writable: true, configurable: true, enumerable: false });

function describe(thrown) {
  try {
    if (thrown instanceof ErrorCtor) {
      const stack = thrown.stack;
      const code = thrown.code; // an AppApiError's (forbidden, ...): the box keeps it with the message
      return stringify({
        message: StringCtor(thrown.message),
        stack: typeof stack === 'string' ? stack : '',
        code: typeof code === 'string' ? reflectApply(strSlice, code, [0, 40]) : '',
      });
    }
    return stringify({ message: 'the app threw a non-Error value: ' + formatArg(thrown), stack: '' });
  } catch {
    return stringify({ message: 'the app threw a value that cannot be described', stack: '' });
  }
}

return async function start() {
  const run = globalThis.__databoxRun;
  if (typeof run !== 'function') {
    return stringify({
      message: 'the app bundle did not set globalThis.__databoxRun (build it with defineApp from apps-sdk)',
      stack: '',
    });
  }
  try {
    await run();
    return '';
  } catch (thrown) {
    return describe(thrown);
  }
};
`;
