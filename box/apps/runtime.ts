export interface RunLimits {
  memoryMb: number;
  timeoutMs: number;
  cpuMs?: number;
}
export interface RunOutcome {
  status: 'ok' | 'error' | 'timeout' | 'killed';
  error?: string;
  /**
   * Why the run failed, the same in every runtime and in `runLocally` (`time_limit`, `cpu_limit`,
   * `memory_limit`, `app_error`, `cancelled`, or the app API code of a refusal the app let through;
   * `apps-sdk/src/run-failure.ts`), with the same `error` text for the same failure.
   */
  errorCode?: string;
  durationMs: number;
  logs: string[];
  /**
   * True when `logs` already holds the app's `log` calls in order with the runtime's notes (the
   * isolate runtime records them); the runner then adds only the session's own notes, so each
   * line is recorded once.
   */
  includesAppLogs?: boolean;
}
export interface AppRuntime {
  readonly kind: 'isolate' | 'container';
  /** Runs one app run to the end; never throws for app faults (they become the outcome). */
  run(opts: {
    runId: string;
    appDir: string;
    entry: string /* isolate: bundle path; container: image */;
    command?: string[];
    limits: RunLimits;
    handle: (method: string, params: unknown) => Promise<unknown>;
    signal?: AbortSignal;
  }): Promise<RunOutcome>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
