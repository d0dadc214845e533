import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { createLocalBox } from '../../apps-sdk/src/run-locally.ts';
import { createDockerClient } from '../../box/containers/docker-client.ts';
import { ensurePythonBaseImage } from '../../box/containers/python-image.ts';
import { ContainerRuntime } from '../../box/sandbox/container/container-runtime.ts';
import { describeWithDocker } from '../helpers/services.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

/**
 * A hostile Python app in databox/python-base gets the same walls as the node apps
 * (box/containers/hardened-host-config.ts): it tries the network, the root filesystem, a shell,
 * running a copied binary from /tmp, capabilities, privilege escalation and a thread bomb, and
 * reports what it managed; a second one tries to eat memory.
 */
const MANIFEST = {
  id: 'python-attacker',
  name: 'Python attacker',
  version: '1.0.0',
  description: 'Tries to get out of its container',
  author: 'red team',
  runtime: { type: 'container', image: 'databox/python-base', command: ['/app/main.py'], language: 'python' },
  insights: [{ key: 'loot', title: 'Loot', description: 'what the attack got' }],
};

const ATTACK = String.raw`
import json, os, shutil, socket, subprocess, threading, time
def attempt(fn):
    try:
        return "got " + str(fn())
    except BaseException as error:
        return "refused: " + type(error).__name__
def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return line.split()[1]
def copy_and_run():
    shutil.copy("/usr/local/bin/python3", "/tmp/p")
    os.chmod("/tmp/p", 0o755)
    return subprocess.run(["/tmp/p", "-c", "print(1)"], capture_output=True).returncode
threads = []
def spawn():
    for _ in range(200):
        t = threading.Thread(target=time.sleep, args=(2,))
        t.start()
        threads.append(t)
    return len(threads)
loot = {
    "network": attempt(lambda: socket.create_connection(("1.1.1.1", 80), timeout=2)),
    "rootfs": attempt(lambda: open("/usr/local/bin/evil", "w")),
    "app": attempt(lambda: open("/app/evil", "w")),
    "shell": attempt(lambda: subprocess.run(["/bin/sh", "-c", "id"]).returncode),
    "tmpExec": attempt(copy_and_run),
    "threads": attempt(spawn),
    "startedThreads": len(threads),
    "uid": os.getuid(), "gid": os.getgid(),
    "capEff": status("CapEff"), "noNewPrivs": status("NoNewPrivs"),
    "interfaces": sorted(name for _, name in socket.if_nameindex()),
}
`;
const REPORT = String.raw`
import http.client
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(os.environ["DATABOX_API_SOCKET"])
conn = Unix("box")
conn.request("POST", "/v1/call", json.dumps({"method": "insight.emit", "params": {"key": "loot", "title": "Loot", "data": loot}}),
             {"Authorization": "Bearer " + os.environ["DATABOX_RUN_TOKEN"], "Content-Type": "application/json"})
assert conn.getresponse().status == 200
`;

describeWithDocker('a hostile Python app in the hardened container', () => {
  const tempDir = useTempDir('databox-python-attack-');
  beforeAll(async () => {
    await ensurePythonBaseImage(createDockerClient());
  }, 120_000);

  async function attack(code: string, memoryMb = 64) {
    const dir = join(tempDir(), 'app');
    await mkdir(dir);
    await writeFile(join(dir, 'databox-app.json'), JSON.stringify(MANIFEST));
    await writeFile(join(dir, 'main.py'), code);
    const box = createLocalBox({ manifest: MANIFEST, data: {}, grant: {} });
    const outcome = await new ContainerRuntime({ runRoot: tempDir() }).run({
      runId: 'python-attack',
      appDir: dir,
      entry: 'databox/python-base',
      command: ['/app/main.py'],
      limits: { memoryMb, timeoutMs: 30_000 },
      handle: (method, params) => box.handle(method, params),
    });
    return { outcome, box };
  }

  it('gets no network, no writable root or app folder, no shell, no exec from /tmp, no capabilities', async () => {
    const { outcome, box } = await attack(ATTACK + REPORT);
    expect(outcome.error).toBeUndefined();
    const loot = box.record.insights[0].data as Record<string, unknown>;
    expect(loot).toMatchObject({
      network: expect.stringMatching(/^refused: /),
      rootfs: 'refused: OSError', // EROFS
      app: 'refused: OSError', // the app folder is mounted read-only
      shell: 'refused: FileNotFoundError', // the image has no shell at all
      tmpExec: 'refused: PermissionError', // /tmp is noexec
      threads: 'refused: RuntimeError', // "can't start new thread": the pids limit
      uid: 65534,
      gid: 65534,
      capEff: '0000000000000000',
      noNewPrivs: '1',
      interfaces: ['lo'],
    });
    expect(loot.startedThreads).toBeLessThan(64);
  }, 120_000);

  it('is killed at its memory limit', async () => {
    const { outcome } = await attack(
      'hog = bytearray(512 * 1024 * 1024)\nhog[::4096] = b"x" * len(hog[::4096])\n',
    );
    expect(outcome.status, outcome.error).toBe('killed');
    expect(outcome.error).toMatch(/memory limit of 64 MB/);
  }, 120_000);
});
