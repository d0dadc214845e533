import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../box/audit/audit-log.ts';
import { tempDatabase } from './temp-db.ts';

const worker = fileURLToPath(new URL('./append-worker.ts', import.meta.url));

function runWorker(file: string, count: number, actor: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, file, String(count), actor], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`worker exited ${code}: ${err}`)),
    );
  });
}

let temp: ReturnType<typeof tempDatabase>;
beforeEach(() => {
  temp = tempDatabase();
});
afterEach(() => temp.cleanup());

describe('several processes appending to one database file', () => {
  it('keeps one gap-free, valid chain while two processes and this one append at once', async () => {
    const log = new AuditLog(temp.db);
    log.append({ actor: 'box', action: 'box.start' });
    const workers = Promise.all([
      runWorker(temp.file, 300, 'driver:one'),
      runWorker(temp.file, 300, 'driver:two'),
    ]);
    // Append from this process too while the workers run.
    let mine = 0;
    const timer = setInterval(() => {
      log.append({ actor: 'user', action: 'config.change', details: { mine } });
      mine++;
    }, 2);
    const outputs = await workers.finally(() => clearInterval(timer));
    expect(outputs).toEqual(['300', '300']);
    const result = log.verify();
    expect(result).toEqual({ ok: true, count: 601 + mine, head: log.head() });
    expect(log.query({ actor: 'driver:one' })).toHaveLength(300);
    expect(log.query({ actor: 'driver:two' })).toHaveLength(300);
    // Interleaved, not one after the other, or the test proved nothing about concurrency.
    const actors = log.query().map((e) => e.actor);
    const switches = actors.filter((a, i) => i > 0 && a !== actors[i - 1]).length;
    expect(switches).toBeGreaterThan(3);
  });
});
