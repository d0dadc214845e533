import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';

/** Reads the CPU time a container has used so far, in milliseconds. */
export type CpuReader = () => Promise<number>;

/**
 * Where the engine's cgroup drivers put a container's CPU accounting, with how to read each file:
 * cgroup v1 `cpuacct.usage` holds nanoseconds, cgroup v2 `cpu.stat` has a `usage_usec` line.
 */
function cgroupCandidates(
  root: string,
  id: string,
): Array<{ path: string; parse: (text: string) => number }> {
  const v1 = (text: string) => Number(text.trim()) / 1e6;
  const v2 = (text: string) => Number(/^usage_usec (\d+)$/m.exec(text)?.[1] ?? Number.NaN) / 1e3;
  return [
    { path: `${root}/cpuacct/docker/${id}/cpuacct.usage`, parse: v1 },
    { path: `${root}/cpu,cpuacct/docker/${id}/cpuacct.usage`, parse: v1 },
    { path: `${root}/cpuacct/system.slice/docker-${id}.scope/cpuacct.usage`, parse: v1 },
    { path: `${root}/docker/${id}/cpu.stat`, parse: v2 },
    { path: `${root}/system.slice/docker-${id}.scope/cpu.stat`, parse: v2 },
  ];
}

/**
 * Finds a way to read a running container's CPU time: the cgroup file when the box shares the
 * engine's host (cheap: one small read), else the engine's stats API (works remotely but each call
 * takes up to a second). Call it after the container started.
 *
 * @example
 * const cpu = await containerCpuReader(docker, container.id);
 * if ((await cpu()) > limits.cpuMs) await container.kill();
 */
export async function containerCpuReader(
  docker: Docker,
  id: string,
  cgroupRoot = '/sys/fs/cgroup',
): Promise<CpuReader> {
  for (const candidate of cgroupCandidates(cgroupRoot, id)) {
    try {
      const first = candidate.parse(await readFile(candidate.path, 'utf8'));
      if (Number.isFinite(first)) return async () => candidate.parse(await readFile(candidate.path, 'utf8'));
    } catch {
      // not this layout
    }
  }
  const container = docker.getContainer(id);
  return async () => {
    const stats = await container.stats({ stream: false, 'one-shot': true });
    return stats.cpu_stats.cpu_usage.total_usage / 1e6;
  };
}
