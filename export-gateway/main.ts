import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatError } from '../box/errors.ts';
import { Gateway } from './gateway.ts';
import { loadGatewayOptions } from './options.ts';

const HELP = `databox export gateway: the only part of the box that opens outbound connections

Usage: node export-gateway/main.js --home <DATABOX_HOME>

  --home <dir>  the box's home folder; the gateway keeps <dir>/gateway/outbox.db and listens
                on <dir>/gateway/gateway.sock (mode 0600). Options: key "gateway" of
                <dir>/config.json (devMode, maxAttempts, connectTimeoutMs, totalTimeoutMs,
                maxResponseBytes, backoffBaseMs, backoffMaxMs, concurrency)
  --help        show this text

Prints "ready <socket>" on stdout (and sends { type: 'ready' } over IPC when forked) once it
accepts exports. SIGTERM/SIGINT: stop accepting, finish or re-queue attempts in flight, exit 0.
`;

const log = (message: string) => process.stderr.write(`[gateway] ${message}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { home: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (!values.home) throw new Error('--home <DATABOX_HOME> is required (see --help)');
  const home = resolve(values.home);
  const gateway = new Gateway(home, loadGatewayOptions(home), { log });
  await gateway.start();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`stop failed: ${formatError(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // the box went away (IPC closed): nobody supervises us any more. Forked (process.send exists)
  // but no longer connected: the box let go while we were starting, before this listener existed
  process.once('disconnect', () => stop('disconnect'));
  if (typeof process.send === 'function' && !process.connected) stop('disconnect');
  process.stdout.write(`ready ${gateway.paths.socket}\n`);
  process.send?.({ type: 'ready', pid: process.pid, socket: gateway.paths.socket });
}

main().catch((error: unknown) => {
  log(`error: ${formatError(error)}`);
  process.exit(1);
});
