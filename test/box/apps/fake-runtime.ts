import type { AppRuntime, RunOutcome } from '../../../box/apps/runtime.ts';

type Call = (method: string, params: unknown) => Promise<unknown>;

/**
 * A test double of an AppRuntime: runs `script` in-process with the session's `handle` as the
 * app's call function. Only for testing the box side; the real runtimes are tested by their owners.
 */
export class FakeRuntime implements AppRuntime {
  readonly kind: 'isolate' | 'container';
  readonly runs: Array<{ runId: string; entry: string; command?: string[]; limits: unknown; call: Call }> =
    [];
  script: (call: Call) => Promise<void>;

  constructor(script: (call: Call) => Promise<void>, kind: 'isolate' | 'container' = 'isolate') {
    this.script = script;
    this.kind = kind;
  }

  async run(opts: Parameters<AppRuntime['run']>[0]): Promise<RunOutcome> {
    const started = performance.now();
    this.runs.push({
      runId: opts.runId,
      entry: opts.entry,
      command: opts.command,
      limits: opts.limits,
      call: opts.handle,
    });
    try {
      await this.script(opts.handle);
      return { status: 'ok', durationMs: performance.now() - started, logs: [] };
    } catch (error) {
      return {
        status: 'error',
        error: (error as Error).message,
        durationMs: performance.now() - started,
        logs: [],
      };
    }
  }
}
