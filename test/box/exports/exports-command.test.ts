import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../../box/cli/command.ts';
import { exportsCommand } from '../../../box/cli/commands/exports.ts';
import { Store } from '../../../box/store/store.ts';
import { saveTimeSettings } from '../../../box/time/time-settings.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { exportSetup } from './export-service-setup.ts';

const tempDir = useTempDir();
afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `databox exports …` against `home` and returns its exit code and printed lines. */
async function cli(home: string, ...args: string[]) {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  const code = await runCommand(exportsCommand, [...args, '--home', home]);
  vi.restoreAllMocks();
  return { code, out: lines.join('\n') };
}

describe('databox exports', () => {
  it('sets review mode, shows the queue and a payload in full, approves, rejects with a reason, lists by status', async () => {
    const home = tempDir();
    const { store, startRun, request } = exportSetup(tempDir(), {
      database: join(home, 'databox.db'),
      destinations: ['summary', 'research'],
    });
    // the CLI prints times in the box's zone and locale: fixed here, not the machine's
    saveTimeSettings(store, { timeZone: 'UTC', locale: 'en-GB' });
    expect((await cli(home, 'mode', 'energy-test', 'review')).out).toBe('energy-test: review');
    const runId = startRun();
    const a = await request(runId, 'summary', { kwh: 7 });
    const b = await request(runId, 'research', { note: 'weekly' });
    store.close();

    const queue = await cli(home, 'review');
    expect(queue.out.split('\n')).toHaveLength(2);
    expect(queue.out).toContain(
      `${a.id}  10 Jan 2024, 12:10 UTC  review    energy-test → summary (https://example.org/upload)  9 B`,
    );
    const shown = JSON.parse((await cli(home, 'show', b.id)).out);
    expect(shown).toMatchObject({
      id: b.id,
      payload: { note: 'weekly' },
      sha256: b.sha256,
      status: 'review',
    });

    expect((await cli(home, 'approve', a.id)).out).toContain(`${a.id}  10 Jan 2024, 12:10 UTC  pending`);
    expect((await cli(home, 'reject', b.id, '--reason', 'not weekly')).out).toContain('rejected');
    const rejected = JSON.parse((await cli(home, 'list', '--status', 'rejected', '--json')).out);
    expect(rejected.map((e: { id: string; reason: string }) => [e.id, e.reason])).toEqual([
      [b.id, 'not weekly'],
    ]);

    const reopened = Store.open(join(home, 'databox.db'));
    expect(reopened.audit.query({ actor: 'user', action: 'export.*' }).map((e) => e.action)).toEqual([
      'export.mode',
      'export.approve',
      'export.reject',
    ]);
    reopened.close();
  });

  it('explains a wrong status, a missing id and an unknown subcommand', async () => {
    const home = tempDir();
    exportSetup(tempDir(), { database: join(home, 'databox.db') }).store.close();
    await expect(cli(home, 'list', '--status', 'sent')).rejects.toThrow(
      /--status must be one of review, pending/,
    );
    await expect(cli(home, 'approve')).rejects.toThrow('databox exports approve needs an export id');
    await expect(cli(home, 'frobnicate')).rejects.toThrow(/say what to do: list, show/);
    await expect(cli(home, 'mode', 'energy-test', 'sometimes')).rejects.toThrow('the mode is auto or review');
  });
});
