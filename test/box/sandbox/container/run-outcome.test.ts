import { describe, expect, it } from 'vitest';
import { outcome } from '../../../../box/sandbox/container/container-runtime.ts';

// How a container run's end is told, from the box's ending and Docker's final state.
const limits = { memoryMb: 64, timeoutMs: 30_000, cpuMs: 10_000 };
const end = (ending: 'exit' | 'timeout' | 'cpu' | 'aborted', ExitCode: number, OOMKilled = false) =>
  outcome(ending, { ExitCode, OOMKilled }, limits, ['last line'], 1234, undefined);

describe('a container run’s outcome', () => {
  it('is the memory limit when Docker says OOMKilled', () => {
    expect(end('exit', 137, true)).toMatchObject({
      status: 'killed',
      errorCode: 'memory_limit',
      error: 'the app went over its memory limit of 64 MB',
    });
  });

  it('is most likely the memory limit on a SIGKILL the box did not send (Docker misses OOM kills on cgroup v2)', () => {
    // the message every runtime gives for the memory limit; the log says how sure the box is
    const result = end('exit', 137);
    expect(result).toMatchObject({
      status: 'killed',
      errorCode: 'memory_limit',
      error: 'the app went over its memory limit of 64 MB',
    });
    expect(result.logs.at(-1)).toMatch(/SIGKILL.*no OOM kill.*likely reason/);
  });

  it('is the box’s own reason when the box killed it, whatever the exit code', () => {
    expect(end('timeout', 137)).toMatchObject({ status: 'timeout', errorCode: 'time_limit' });
    expect(end('cpu', 137)).toMatchObject({ errorCode: 'cpu_limit' });
    expect(end('aborted', 137)).toMatchObject({ errorCode: 'cancelled' });
  });

  it('is the app’s error for another exit code, and ok for 0', () => {
    expect(end('exit', 1)).toMatchObject({ status: 'error', errorCode: 'app_error' });
    expect(end('exit', 1).error).toMatch(/exited with code 1: last line/);
    expect(end('exit', 0)).toMatchObject({ status: 'ok' });
  });
});
