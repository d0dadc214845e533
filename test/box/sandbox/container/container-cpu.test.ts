import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { containerCpuReader } from '../../../../box/sandbox/container/container-cpu.ts';
import { useTempDir } from '../../../helpers/temp-dir.ts';

const ID = 'a'.repeat(64);

/** A Docker stand-in whose stats API reports `totalNs` of CPU (the fallback path). */
function fakeDocker(totalNs: number): Docker {
  const stats = async () => ({ cpu_stats: { cpu_usage: { total_usage: totalNs } } });
  return { getContainer: () => ({ stats }) } as unknown as Docker;
}

describe('containerCpuReader', () => {
  const tempDir = useTempDir('databox-cgroup-');

  it('reads cgroup v1 cpuacct.usage (nanoseconds) under the cgroupfs driver', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'cpuacct/docker', ID), { recursive: true });
    writeFileSync(join(root, 'cpuacct/docker', ID, 'cpuacct.usage'), '1500000000\n'); // 1.5 s
    const read = await containerCpuReader(fakeDocker(0), ID, root);
    expect(await read()).toBe(1500);
    writeFileSync(join(root, 'cpuacct/docker', ID, 'cpuacct.usage'), '2250000000\n');
    expect(await read()).toBe(2250); // re-read on every call
  });

  it('reads cgroup v2 cpu.stat usage_usec under the systemd driver', async () => {
    const root = tempDir();
    const dir = join(root, `system.slice/docker-${ID}.scope`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cpu.stat'), 'usage_usec 730000\nuser_usec 700000\nsystem_usec 30000\n');
    expect(await (await containerCpuReader(fakeDocker(0), ID, root))()).toBe(730);
  });

  it('falls back to the engine stats API when no cgroup file is there, and rejects once it is gone', async () => {
    const root = tempDir();
    expect(await (await containerCpuReader(fakeDocker(42_000_000), ID, root))()).toBe(42);
    mkdirSync(join(root, 'docker', ID), { recursive: true });
    writeFileSync(join(root, 'docker', ID, 'cpu.stat'), 'usage_usec 5000\n');
    const read = await containerCpuReader(fakeDocker(0), ID, root);
    expect(await read()).toBe(5);
    rmSync(join(root, 'docker', ID), { recursive: true });
    await expect(read()).rejects.toThrow(/ENOENT/);
  });
});
