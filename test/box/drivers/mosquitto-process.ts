import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

/** mosquitto lives in /usr/sbin on Debian, which a non-login PATH may lack. */
const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

/** A free TCP port on 127.0.0.1 (bind to 0, read it, release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, open: boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (isOpen === open) return;
    if (Date.now() > end) throw new Error(`port ${port} did not ${open ? 'open' : 'close'} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A private mosquitto with on-disk persistence, so QoS 1 messages queued for an offline persistent
 * session survive a restart. `start(ports)` opens only the listeners given, which lets a test keep
 * the driver's port closed while a publisher uses another one.
 *
 * @example
 * const broker = new MosquittoProcess(dir);
 * await broker.start([port]);
 * await broker.stop();
 */
export class MosquittoProcess {
  #child: ChildProcess | undefined;
  #ports: number[] = [];

  constructor(readonly dir: string) {}

  /** `extra` lines are appended to the generated mosquitto.conf. */
  async start(ports: number[], extra: string[] = []): Promise<void> {
    const conf = join(this.dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        'user root',
        'allow_anonymous true',
        'persistence true',
        `persistence_location ${this.dir}/`,
        'autosave_interval 0',
        'max_queued_messages 10000',
        'log_dest none',
        ...ports.map((p) => `listener ${p} 127.0.0.1`),
        ...extra,
        '',
      ].join('\n'),
    );
    this.#ports = ports;
    this.#child = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
    await Promise.all(ports.map((p) => waitForPort(p, true)));
  }

  /** SIGTERM (mosquitto writes its persistence file on exit) and wait until it is gone. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    this.#child = undefined;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await Promise.all(this.#ports.map((p) => waitForPort(p, false)));
  }
}
