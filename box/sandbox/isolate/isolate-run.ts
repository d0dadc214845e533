import ivm from 'isolated-vm';
import {
  cpuLimitFailure,
  failureCode,
  memoryLimitFailure,
  type RunFailure,
  timeLimitFailure,
} from '../../../apps-sdk/src/run-failure.ts';
import { BOOTSTRAP_SOURCE } from './bootstrap.ts';
import type { RunMessage } from './protocol.ts';

/** What the box answered to one call: the result as JSON text, or an error. */
export type CallReply = { ok: true; json: string } | { ok: false; message: string; code?: string };

export interface IsolateRunHooks {
  /** Forwards an app call to the box and resolves with its answer; never rejects. */
  call(method: string, paramsJson: string): Promise<CallReply>;
  /** A runtime note about this run (watchdog fired, ...), shown in the run's logs. */
  note(level: 'info' | 'warn' | 'error', message: string): void;
}

export interface IsolateRunResult {
  status: 'ok' | 'error' | 'timeout' | 'killed';
  error?: string;
  /** Why it failed, worded as in every runtime (`apps-sdk/src/run-failure.ts`). */
  errorCode?: string;
  cpuMs: number;
}

const MAX_ERROR_CHARS = 2000;

/**
 * One app run in a FRESH isolate (runs in the isolate host child, never in the daemon): creates
 * the isolate with the run's memory limit, installs the bootstrap, evaluates the bundle, calls
 * `__databoxRun()` and awaits it under a wall-clock timeout and a CPU-time watchdog. Whatever
 * happens, the isolate is disposed before `start()` resolves; `start()` never rejects.
 */
export class IsolateRun {
  readonly #request: RunMessage;
  readonly #hooks: IsolateRunHooks;
  #isolate: ivm.Isolate | undefined;
  #stopped: RunFailure | undefined;
  #cpuNs = 0n;

  constructor(request: RunMessage, hooks: IsolateRunHooks) {
    this.#request = request;
    this.#hooks = hooks;
  }

  /** Stops the run now (the box cancelled it); `start()` then resolves as `killed`. */
  cancel(reason: string): void {
    this.#stop({ status: 'killed', code: 'cancelled', message: reason });
  }

  async start(): Promise<IsolateRunResult> {
    const { limits } = this.#request;
    const cpuLimitMs = limits.cpuMs ?? limits.timeoutMs;
    const isolate = new ivm.Isolate({ memoryLimit: limits.memoryMb });
    this.#isolate = isolate;
    const wallTimer = setTimeout(() => this.#stop(timeLimitFailure(limits.timeoutMs)), limits.timeoutMs);
    const cpuTimer = setInterval(
      () => {
        if (this.#readCpu() > BigInt(cpuLimitMs) * 1_000_000n) {
          this.#stop(cpuLimitFailure(cpuLimitMs));
        }
      },
      Math.min(100, Math.max(5, Math.floor(cpuLimitMs / 10))),
    );
    let phase: 'load' | 'run' = 'load';
    try {
      const context = await isolate.createContext();
      const starter = await context.evalClosure(BOOTSTRAP_SOURCE, [this.#hostCall], {
        arguments: { reference: true },
        result: { reference: true },
      });
      const script = await isolate.compileScript(this.#request.code, { filename: this.#request.filename });
      // The bundle's completion value is never copied out: take it as a reference and drop it.
      const completion = await script.run(context, { timeout: limits.timeoutMs, reference: true });
      completion?.release();
      phase = 'run';
      const reply: unknown = await starter.apply(undefined, [], { result: { promise: true, copy: true } });
      if (this.#stopped) return this.#failed(this.#stopped);
      if (reply === '') return this.#result('ok');
      return this.#failed(this.#describeAppError(reply));
    } catch (error) {
      if (this.#stopped) return this.#failed(this.#stopped);
      const message = error instanceof Error ? error.message : String(error);
      // isolated-vm disposes an isolate over its limit itself; a call pending then fails with
      // "Promise was abandoned" instead of naming the limit. Nothing else disposes it unasked.
      if (/memory limit/i.test(message) || isolate.isDisposed) {
        return this.#failed(memoryLimitFailure(limits.memoryMb));
      }
      const text = phase === 'load' ? `the app bundle failed to load: ${clip(message)}` : clip(message);
      return this.#failed({ status: 'error', code: 'app_error', message: text });
    } finally {
      clearTimeout(wallTimer);
      clearInterval(cpuTimer);
      this.#readCpu();
      if (!isolate.isDisposed) isolate.dispose();
    }
  }

  /** The host end of `__databoxCall`: only primitive strings are accepted; never throws. */
  readonly #hostCall = async (method: unknown, paramsJson: unknown): Promise<string> => {
    const fail = (message: string, code?: string) => `-${JSON.stringify({ message, code })}`;
    if (this.#stopped) return fail('the run has ended');
    if (typeof method !== 'string' || typeof paramsJson !== 'string') {
      return fail('__databoxCall takes a method name and JSON text');
    }
    if (method.length > 64) return fail('the method name is too long');
    const bytes = Buffer.byteLength(paramsJson);
    if (bytes > this.#request.maxCallBytes) {
      return fail(
        `the params of ${method} are ${bytes} bytes, over the limit of ${this.#request.maxCallBytes} bytes`,
      );
    }
    try {
      const reply = await this.#hooks.call(method, paramsJson);
      return reply.ok ? `+${reply.json}` : fail(reply.message, reply.code);
    } catch {
      return fail(`the box could not complete ${method}`);
    }
  };

  #stop(failure: RunFailure): void {
    if (this.#stopped) return;
    this.#stopped = failure;
    this.#hooks.note('warn', failure.message);
    this.#readCpu();
    if (this.#isolate && !this.#isolate.isDisposed) this.#isolate.dispose();
  }

  #readCpu(): bigint {
    const isolate = this.#isolate;
    if (isolate && !isolate.isDisposed) {
      try {
        this.#cpuNs = isolate.cpuTime;
      } catch {
        // disposed between the check and the read: keep the last value
      }
    }
    return this.#cpuNs;
  }

  #describeAppError(reply: unknown): RunFailure {
    const unreadable: RunFailure = {
      status: 'error',
      code: 'app_error',
      message: 'the app run ended with an unreadable result',
    };
    if (typeof reply !== 'string') return unreadable;
    try {
      const { message, stack, code } = JSON.parse(reply) as { message: string; stack: string; code?: string };
      if (stack) this.#hooks.note('error', clip(stack));
      // isolated-vm refuses an ArrayBuffer past the isolate's memory limit with this RangeError
      // (the heap limit disposes the isolate instead): the same failure as a container's OOM kill
      if (message === 'Array buffer allocation failed')
        return memoryLimitFailure(this.#request.limits.memoryMb);
      return { status: 'error', code: failureCode(code), message: clip(message) };
    } catch {
      return unreadable;
    }
  }

  #failed(failure: RunFailure): IsolateRunResult {
    return { ...this.#result(failure.status, failure.message), errorCode: failure.code };
  }

  #result(status: IsolateRunResult['status'], error?: string): IsolateRunResult {
    return { status, ...(error === undefined ? {} : { error }), cpuMs: Number(this.#cpuNs) / 1e6 };
  }
}

function clip(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}
