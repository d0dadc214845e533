import { AppApiError, type AppApiErrorCode } from './app-api-error.ts';
import type { AnyAppTypes, AppTypes } from './app-types.ts';
import { createSocketCall } from './container-client.ts';
import { type AppContext, createAppContext } from './context.ts';
import { thrownFailure } from './run-failure.ts';
import { ENV_SOCKET, ENV_TOKEN } from './transport.ts';
import type { CallFunction } from './wire.ts';

/** An app's entry point: reads, computes, emits. Throwing (or rejecting) makes the run fail. */
export type AppMain<T extends AppTypes = AnyAppTypes> = (ctx: AppContext<T>) => Promise<void>;

/** What `defineApp` returns: a handle `runLocally` (and tests) can run. */
export interface DataboxApp {
  readonly main: AppMain;
  /** Runs `main` over any `call` function (what every runtime does). */
  run(call: CallFunction): Promise<void>;
}

/** The isolate host's injected function (see the isolate transport in the contract). */
type IsolateCall = (method: string, paramsJson: string) => Promise<string>;

interface DataboxGlobals {
  __databoxCall?: IsolateCall;
  __databoxRun?: () => Promise<void>;
}

function isolateCall(inject: IsolateCall): CallFunction {
  return async (method, params) => {
    let text: string;
    try {
      text = await inject(method, JSON.stringify(params));
    } catch (error) {
      // The bootstrap rebuilds the box's refusal inside the isolate as an Error with the code as
      // data (host functions never throw into the isolate); make it the AppApiError apps catch
      // in every runtime and in runLocally.
      const code = (error as { code?: unknown } | null)?.code;
      throw new AppApiError(
        (typeof code === 'string' ? code : 'internal') as AppApiErrorCode,
        error instanceof Error ? error.message : String(error),
      );
    }
    return text === undefined || text === '' ? null : JSON.parse(text);
  };
}

function containerEnv(): { socket: string; token: string } | undefined {
  const env = typeof process === 'undefined' ? undefined : process.env;
  const socket = env?.[ENV_SOCKET];
  if (!socket) return undefined;
  return { socket, token: env?.[ENV_TOKEN] ?? '' };
}

/**
 * Declares an app. Pass the app's generated types (`databox app types`) as `T` to have request
 * names, insight keys and export payloads checked by the compiler. The SDK picks the transport
 * from where it runs:
 * - in an isolate (the host injected `__databoxCall`), it sets `globalThis.__databoxRun` for the host;
 * - in a container (`DATABOX_API_SOCKET` is set), it runs `main` at once and sets `process.exitCode`
 *   (0 ok, 1 failed, with the error on stderr and reported to the box with `run.fail`);
 * - anywhere else it only returns the handle, for `runLocally` and tests.
 *
 * @example
 * ```ts
 * import { defineApp } from 'databox-apps-sdk';
 *
 * export default defineApp(async (ctx) => {
 *   const { points } = await ctx.data.read('power');
 *   const mean = points.reduce((s, p) => s + p.v, 0) / points.length;
 *   await ctx.insight.emit({ key: 'mean-power', title: 'Mean power', value: mean, unit: 'W' });
 * });
 * ```
 */
export function defineApp<T extends AppTypes = AnyAppTypes>(main: AppMain<T>): DataboxApp {
  // the box checks every name and payload at run time; the types only move that check earlier
  const untyped = main as unknown as AppMain;
  const app: DataboxApp = Object.freeze({
    main: untyped,
    run: (call: CallFunction) => untyped(createAppContext(call)),
  });
  const globals = globalThis as DataboxGlobals;
  const inject = globals.__databoxCall;
  const env = containerEnv();
  if (typeof inject === 'function') {
    const call = isolateCall(inject);
    globals.__databoxRun = () => app.run(call);
  } else if (env) {
    const call = createSocketCall(env.socket, env.token);
    app.run(call).then(
      () => {
        process.exitCode = 0;
      },
      async (error: unknown) => {
        process.stderr.write(
          `app failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        process.exitCode = 1;
        // the run's error then reads as in an isolate or runLocally, code included
        const { code, message } = thrownFailure(error);
        await call('run.fail', { message, code }).catch(() => {});
      },
    );
  }
  return app;
}
