import { describe, expect, it } from 'vitest';
import { APP_CONTAINER_USER, hardenedHostConfig } from '../../../box/containers/hardened-host-config.ts';
import { BadRequestError } from '../../../box/errors.ts';

describe('hardenedHostConfig', () => {
  it('locks the container down with the documented defaults', () => {
    expect(hardenedHostConfig()).toEqual({
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: 64,
      Memory: 268_435_456, // 256 MiB = 256 * 1024 * 1024
      MemorySwap: 268_435_456,
      NanoCpus: 1_000_000_000,
      Ulimits: [{ Name: 'nofile', Soft: 256, Hard: 256 }],
      IpcMode: 'none', // no /dev/shm
      Tmpfs: { '/tmp': 'rw,noexec,nosuid,nodev,size=67108864' }, // 64 MiB
      AutoRemove: true,
      Binds: [],
    });
    expect(APP_CONTAINER_USER).toBe('65534:65534');
  });

  it('applies the given limits, with swap equal to memory and fractional CPUs in nano-CPUs', () => {
    const config = hardenedHostConfig({
      memoryBytes: 64 * 1024 * 1024,
      cpus: 0.25,
      pidsLimit: 16,
      tmpfsBytes: 1_000_000,
      openFiles: 64,
      autoRemove: false,
    });
    expect(config.Ulimits).toEqual([{ Name: 'nofile', Soft: 64, Hard: 64 }]);
    expect(config.Memory).toBe(67_108_864);
    expect(config.MemorySwap).toBe(67_108_864);
    expect(config.NanoCpus).toBe(250_000_000);
    expect(config.PidsLimit).toBe(16);
    expect(config.Tmpfs).toEqual({ '/tmp': 'rw,noexec,nosuid,nodev,size=1000000' });
    expect(config.AutoRemove).toBe(false);
  });

  it('mounts binds read-only unless asked otherwise', () => {
    const config = hardenedHostConfig({
      binds: [
        { hostPath: '/var/lib/databox/runs/r1', containerPath: '/run/databox' },
        { hostPath: '/srv/scratch', containerPath: '/scratch', readOnly: false },
      ],
    });
    expect(config.Binds).toEqual(['/var/lib/databox/runs/r1:/run/databox:ro', '/srv/scratch:/scratch:rw']);
  });

  it('rejects limits the engine would refuse or that make no sense, naming the option', () => {
    const cases: Array<[Parameters<typeof hardenedHostConfig>[0], string]> = [
      [{ memoryBytes: 1024 * 1024 }, 'memoryBytes'],
      [{ memoryBytes: 1.5e7 + 0.5 }, 'memoryBytes'],
      [{ cpus: 0 }, 'cpus'],
      [{ cpus: Number.NaN }, 'cpus'],
      [{ pidsLimit: 0 }, 'pidsLimit'],
      [{ tmpfsBytes: -1 }, 'tmpfsBytes'],
      [{ openFiles: 4 }, 'openFiles'],
      [{ binds: [{ hostPath: 'relative/dir', containerPath: '/x' }] }, 'binds[0].hostPath'],
      [
        {
          binds: [
            { hostPath: '/a', containerPath: '/b' },
            { hostPath: '/a', containerPath: 'b' },
          ],
        },
        'binds[1].containerPath',
      ],
      [{ binds: [{ hostPath: '/a:/etc', containerPath: '/b' }] }, 'binds[0]'],
    ];
    for (const [options, path] of cases) {
      let caught: unknown;
      try {
        hardenedHostConfig(options);
      } catch (error) {
        caught = error;
      }
      expect(caught, path).toBeInstanceOf(BadRequestError);
      expect((caught as BadRequestError).details[0].path).toBe(path);
      expect((caught as BadRequestError).message).toContain(path);
    }
  });
});
