/**
 * The isolate host: a child process of the box, started with `--no-node-snapshot` (required by
 * isolated-vm on Node ≥ 20). It runs each app run in a fresh isolate and forwards the app's calls
 * to the box over IPC. If V8 aborts on an out-of-memory, only this process dies; the box's
 * supervisor restarts it. It exits when the box disconnects, so it never outlives the daemon.
 *
 * argv[2]: heartbeat interval in ms (default 1000).
 */
import { type CallReply, IsolateRun } from './isolate-run.ts';
import { type ChildMessage, type ParentMessage, parentMessageSchema } from './protocol.ts';

const heartbeatMs = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 1000;
const runs = new Map<string, IsolateRun>();
const pendingCalls = new Map<string, { runId: string; resolve: (reply: CallReply) => void }>();
/** Calls one run may have waiting for the box at once, as on the container app socket. */
const MAX_CALLS_IN_FLIGHT = 8;
const inFlight = new Map<string, number>();
let nextCallId = 1;

function send(message: ChildMessage): void {
  if (!process.connected) return;
  try {
    process.send?.(message);
  } catch {
    // the box went away; 'disconnect' ends this process
  }
}

function startRun(message: Extract<ParentMessage, { type: 'run' }>): void {
  const { runId } = message;
  if (runs.has(runId)) {
    send({ type: 'done', runId, status: 'error', error: `run ${runId} is already running`, cpuMs: 0 });
    return;
  }
  const run = new IsolateRun(message, {
    call: (method, paramsJson) => {
      // An app that fires calls without awaiting them would otherwise queue unbounded work here
      // and in the box; the ninth concurrent call is refused at once.
      const waiting = inFlight.get(runId) ?? 0;
      if (waiting >= MAX_CALLS_IN_FLIGHT)
        return Promise.resolve<CallReply>({
          ok: false,
          code: 'rate_limited',
          message: `this run already has ${MAX_CALLS_IN_FLIGHT} calls waiting for the box; await them before making more`,
        });
      inFlight.set(runId, waiting + 1);
      return new Promise<CallReply>((resolve) => {
        const callId = nextCallId++;
        pendingCalls.set(`${runId}:${callId}`, { runId, resolve });
        send({ type: 'call', runId, callId, method, paramsJson });
      }).finally(() => {
        const left = inFlight.get(runId);
        if (left !== undefined) inFlight.set(runId, left - 1);
      });
    },
    note: (level, text) => send({ type: 'log', runId, level, message: text }),
  });
  runs.set(runId, run);
  void run.start().then((result) => {
    runs.delete(runId);
    inFlight.delete(runId);
    for (const [key, pending] of pendingCalls) {
      if (pending.runId !== runId) continue;
      pendingCalls.delete(key);
      pending.resolve({ ok: false, message: 'the run has ended' });
    }
    send({ type: 'done', runId, ...result });
  });
}

process.on('message', (raw: unknown) => {
  const parsed = parentMessageSchema.safeParse(raw);
  if (!parsed.success) {
    process.stderr.write(
      `isolate host: ignoring a malformed message from the box: ${parsed.error.message}\n`,
    );
    return;
  }
  const message = parsed.data;
  switch (message.type) {
    case 'run':
      startRun(message);
      break;
    case 'result': {
      const key = `${message.runId}:${message.callId}`;
      const pending = pendingCalls.get(key);
      if (!pending) break;
      pendingCalls.delete(key);
      pending.resolve(
        message.ok
          ? { ok: true, json: message.json }
          : { ok: false, message: message.message, ...(message.code ? { code: message.code } : {}) },
      );
      break;
    }
    case 'cancel':
      runs.get(message.runId)?.cancel(message.reason);
      break;
  }
});

process.on('disconnect', () => process.exit(0));
// a box that let go while this host was still loading its modules closed the channel before the
// listener above existed: that 'disconnect' was emitted to nobody, and the heartbeat timer would
// keep an orphan alive for good (test/box/sandbox/isolate/isolate-host-orphan.test.ts)
if (!process.connected) process.exit(0);
setInterval(() => {
  if (!process.connected) process.exit(0);
  send({ type: 'heartbeat', activeRuns: runs.size });
}, heartbeatMs);

// One throwaway run before saying ready, so an app's first run in this host does not pay for
// compiling the bootstrap and the host's own code paths (measured in bench/README.md).
const warmUp = parentMessageSchema.parse({
  type: 'run',
  runId: 'warm-up',
  code: 'globalThis.__databoxRun = async () => { await __databoxCall("log", "{}"); };',
  filename: 'warm-up.js',
  limits: { memoryMb: 8, timeoutMs: 5000 },
  maxCallBytes: 16,
}) as Extract<ParentMessage, { type: 'run' }>;
void new IsolateRun(warmUp, { call: async () => ({ ok: true, json: 'null' }), note: () => {} })
  .start()
  .finally(() => send({ type: 'ready', pid: process.pid }));
