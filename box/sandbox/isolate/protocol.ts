import { z } from 'zod';

/**
 * The typed message protocol between the box (the supervisor in the daemon) and the isolate host
 * child process, over the Node IPC channel (homebridge's child bridge protocol in spirit). Every
 * payload that crosses is plain data; app values travel as JSON text and are parsed only where
 * they are used. Both sides validate what they receive with these schemas.
 */

const limits = z.object({
  memoryMb: z.number().int().min(8).max(4096),
  timeoutMs: z.number().int().positive(),
  cpuMs: z.number().int().positive().optional(),
});

/** Box → child: start one run in a fresh isolate. */
const runMessage = z.object({
  type: z.literal('run'),
  runId: z.string().min(1),
  /** The app bundle's source (a classic script). */
  code: z.string(),
  /** Shown in the app's stack traces, e.g. `app:///dist/app.js`. */
  filename: z.string(),
  limits,
  /** The largest params JSON an app may send in one call. */
  maxCallBytes: z.number().int().positive(),
});

/** Box → child: the answer to one `call` (the result as JSON text, or an error message). */
const resultMessage = z.discriminatedUnion('ok', [
  z.object({
    type: z.literal('result'),
    runId: z.string(),
    callId: z.number().int(),
    ok: z.literal(true),
    json: z.string(),
  }),
  z.object({
    type: z.literal('result'),
    runId: z.string(),
    callId: z.number().int(),
    ok: z.literal(false),
    message: z.string(),
    code: z.string().optional(),
  }),
]);

/** Box → child: stop a run now (the caller's AbortSignal fired). */
const cancelMessage = z.object({ type: z.literal('cancel'), runId: z.string(), reason: z.string() });

export const parentMessageSchema = z.union([runMessage, resultMessage, cancelMessage]);
export type ParentMessage = z.infer<typeof parentMessageSchema>;
export type RunMessage = z.infer<typeof runMessage>;
export type ResultMessage = z.infer<typeof resultMessage>;

/** Child → box: the child loaded isolated-vm and is ready for runs. */
const readyMessage = z.object({ type: z.literal('ready'), pid: z.number().int() });

/** Child → box: the app called `__databoxCall(method, paramsJson)`. */
const callMessage = z.object({
  type: z.literal('call'),
  runId: z.string(),
  callId: z.number().int(),
  method: z.string(),
  paramsJson: z.string(),
});

/** Child → box: a note from the runtime about a run (watchdog fired, isolate disposed, ...). */
const logMessage = z.object({
  type: z.literal('log'),
  runId: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
});

/** Child → box: the run ended (the isolate is already disposed). */
const doneMessage = z.object({
  type: z.literal('done'),
  runId: z.string(),
  status: z.enum(['ok', 'error', 'timeout', 'killed']),
  error: z.string().optional(),
  /** Why it failed (`time_limit`, `memory_limit`, `app_error`, an app API code, …; see run-failure.ts). */
  errorCode: z.string().max(40).optional(),
  /** CPU time the isolate used, in ms. */
  cpuMs: z.number(),
});

/** Child → box: still alive (sent on an interval; the box restarts a child that goes quiet). */
const heartbeatMessage = z.object({ type: z.literal('heartbeat'), activeRuns: z.number().int() });

export const childMessageSchema = z.discriminatedUnion('type', [
  readyMessage,
  callMessage,
  logMessage,
  doneMessage,
  heartbeatMessage,
]);
export type ChildMessage = z.infer<typeof childMessageSchema>;
export type CallMessage = z.infer<typeof callMessage>;
export type DoneMessage = z.infer<typeof doneMessage>;
