import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { appError } from '../arbiter/app-error.ts';
import type { ErrorDetail } from '../errors.ts';
import type { SchemaCheckRequest, SchemaCheckResponse } from './schema-check-worker.ts';

/** How long one payload may take to check against its schema before the check is refused. */
export const SCHEMA_CHECK_LIMIT_MS = 250;
/** Compiling a new schema (first use) gets longer: ajv generates and compiles code for it. */
const COMPILE_LIMIT_MS = 2_000;
/** Starting the worker from TypeScript sources (tests, fresh edits) loads tsx first: slow. */
const START_LIMIT_MS = 30_000;
/** The worker (ajv, ~10 MB) exits after this long without work: idle memory matters on a home box. */
const IDLE_MS = 30_000;
export const MAX_WAITING_CHECKS = 64;

type WorkerMessage = SchemaCheckResponse | { ready: true } | { compiled: number };

interface Job {
  request: Omit<SchemaCheckRequest, 'id'>;
  resolve: (problems: ErrorDetail[]) => void;
  reject: (error: Error) => void;
}

/**
 * Runs app-supplied JSON Schemas (untrusted regexes included) in a `worker_threads` worker, one
 * check at a time: a check past its time limit terminates the worker (a fresh one takes the next)
 * and is refused; the daemon's event loop never runs an app's regex.
 */
class SchemaChecker {
  #worker: Worker | undefined;
  #current: (Job & { id: number }) | undefined;
  readonly #waiting: Job[] = [];
  #timer: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;
  #ids = 0;

  check(request: Job['request']): Promise<ErrorDetail[]> {
    if (this.#waiting.length >= MAX_WAITING_CHECKS)
      return Promise.reject(
        appError(
          'rate_limited',
          `the box is already checking ${MAX_WAITING_CHECKS} payloads: try again later`,
        ),
      );
    return new Promise((resolve, reject) => {
      this.#waiting.push({ request, resolve, reject });
      this.#next();
    });
  }

  #start(): Worker {
    const here = fileURLToPath(import.meta.url);
    const target = new URL(`./schema-check-worker${extname(here)}`, import.meta.url).href;
    const options = { resourceLimits: { maxOldGenerationSizeMb: 256 } };
    // Workers ignore `--import`; from sources, register tsx inside the worker before loading it.
    const worker =
      extname(here) === '.ts'
        ? new Worker(
            `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(target)}); })`,
            { ...options, eval: true },
          )
        : new Worker(new URL(target), options);
    worker.on('message', (message: WorkerMessage) => this.#onMessage(worker, message));
    worker.on('error', (error: Error) =>
      this.#fail(worker, appError('bad_request', `the schema check failed: ${error.message}`)),
    );
    worker.on('exit', () => this.#fail(worker, appError('internal', 'the schema check worker stopped')));
    return worker;
  }

  #next(): void {
    if (this.#current || this.#waiting.length === 0) return;
    clearTimeout(this.#idle);
    this.#current = { ...(this.#waiting.shift() as Job), id: ++this.#ids };
    if (this.#worker) {
      this.#dispatch(this.#worker);
      return;
    }
    // the job is sent when the new worker says it is ready (a worker exists only once ready or with a job waiting)
    const worker = this.#start();
    this.#worker = worker;
    this.#timer = setTimeout(
      () => this.#fail(worker, appError('internal', 'the schema check worker did not start')),
      START_LIMIT_MS,
    );
  }

  #dispatch(worker: Worker): void {
    const job = this.#current;
    if (!job) return;
    worker.ref();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => this.#timeout(worker, job.request.prefix, COMPILE_LIMIT_MS),
      COMPILE_LIMIT_MS,
    );
    worker.postMessage({ id: job.id, ...job.request } satisfies SchemaCheckRequest);
  }

  #onMessage(worker: Worker, message: WorkerMessage): void {
    if (worker !== this.#worker) return;
    const job = this.#current;
    if ('ready' in message) {
      clearTimeout(this.#timer);
      this.#dispatch(worker);
    } else if ('compiled' in message && message.compiled === job?.id) {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(
        () => this.#timeout(worker, job.request.prefix, SCHEMA_CHECK_LIMIT_MS),
        SCHEMA_CHECK_LIMIT_MS,
      );
    } else if ('problems' in message && message.id === job?.id) {
      clearTimeout(this.#timer);
      this.#current = undefined;
      job.resolve(message.problems);
      this.#afterJob(worker);
    }
  }

  #afterJob(worker: Worker): void {
    if (this.#waiting.length > 0) {
      this.#next();
      return;
    }
    worker.unref();
    this.#idle = setTimeout(() => {
      if (this.#worker === worker && !this.#current) this.#stop();
    }, IDLE_MS);
    this.#idle.unref();
  }

  #timeout(worker: Worker, prefix: string, limit: number): void {
    this.#fail(
      worker,
      appError(
        'bad_request',
        `checking ${prefix} against its schema took longer than ${limit} ms (a pattern that backtracks on this input?): refused`,
      ),
    );
  }

  /** Ends the worker, refuses the check it was running, and lets a fresh worker take the rest. */
  #fail(worker: Worker, error: Error): void {
    if (worker !== this.#worker) return;
    clearTimeout(this.#timer);
    this.#stop();
    const job = this.#current;
    this.#current = undefined;
    job?.reject(error);
    this.#next();
  }

  #stop(): void {
    const worker = this.#worker;
    this.#worker = undefined;
    void worker?.terminate();
  }

  /** Whether a worker thread is running now (tests: it exits when idle). */
  get running(): boolean {
    return this.#worker !== undefined;
  }
}

const checker = new SchemaChecker();

/**
 * Checks `value` against a JSON Schema from a manifest (export payloads, insight data) off the
 * daemon's main thread and resolves with every problem as `{ path, message }` (empty when it
 * conforms). Rejects with a `bad_request` app error when the check takes longer than
 * {@link SCHEMA_CHECK_LIMIT_MS} (the worker running it is terminated) and `rate_limited` when
 * too many checks wait. ajv is loaded in the worker, which starts on first use and exits idle.
 *
 * @example
 * await checkJsonSchema({ type: 'object', required: ['kwh'] }, {}, 'payload'); // [{ path: 'payload', message: "must have required property 'kwh'" }]
 */
export function checkJsonSchema(
  schema: Record<string, unknown>,
  value: unknown,
  prefix: string,
): Promise<ErrorDetail[]> {
  return checker.check({ schema, value, prefix });
}

/** Whether the schema check worker is running (it exits after 30 s idle). */
export function schemaCheckWorkerRunning(): boolean {
  return checker.running;
}
