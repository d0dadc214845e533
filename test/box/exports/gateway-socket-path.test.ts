import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBoxProcess, stopBoxProcess } from '../../helpers/box-process.ts';

// A unix socket's path holds at most 107 bytes. A home deep enough to push
// <home>/gateway/gateway.sock past it made the gateway die at every start with EADDRINUSE, which
// names neither the path nor the limit.
describe('a box whose home is too deep for the gateway socket', () => {
  const work = mkdtempSync(join(tmpdir(), 'databox-deep-home-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('refuses to start, naming the socket path, its length and the limit', async () => {
    const home = join(work, 'a-household-folder-with-a-long-name'.repeat(3));
    mkdirSync(home, { recursive: true });
    const started = startBoxProcess(home, [], 20_000);
    const error = await started.then(
      async (box) => {
        await stopBoxProcess(box);
        return undefined;
      },
      (e: Error) => e,
    );
    expect(error?.message).toContain('box exited with');
    expect(error?.message).toContain(join(home, 'gateway', 'gateway.sock'));
    expect(error?.message).toMatch(/is \d+ bytes, unix sockets allow 107/);
  });

  it('starts when the same path fits', async () => {
    const home = join(work, 'short');
    mkdirSync(home, { recursive: true });
    const box = await startBoxProcess(home);
    expect(box.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    await stopBoxProcess(box);
  });
});
