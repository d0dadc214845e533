import { Box } from '../../box.ts';
import { PasswordStore } from '../../web/auth/password.ts';
import { type Command, HOME_OPTION, stringOption } from '../command.ts';

export const startCommand: Command = {
  name: 'start',
  summary:
    'Start the box daemon: store, HTTP API and background jobs. Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.',
  usage: 'start [--home DIR] [--host HOST] [--port PORT] [--accept-empty-store] [--regenerate-token]',
  options: {
    home: HOME_OPTION,
    host: { type: 'string', description: 'address to listen on (default 127.0.0.1)', placeholder: 'HOST' },
    port: {
      type: 'string',
      description: 'port to listen on (default 7330; 0 picks a free one)',
      placeholder: 'PORT',
    },
    'accept-empty-store': {
      type: 'boolean',
      description: "start even though the store is empty or missing beside an old box's files",
    },
    'regenerate-token': {
      type: 'boolean',
      description: 'write a new admin token when the admin-token file is damaged',
    },
  },
  async run({ values }) {
    const portText = stringOption(values, 'port');
    const port = portText === undefined ? undefined : Number(portText);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw new Error(`--port "${portText}" must be a whole number from 0 to 65535`);
    }
    // listen for signals before anything else, so a stop request during start-up is not lost
    let stopRequested!: (signal: string) => void;
    const stopped = new Promise<string>((resolve) => {
      stopRequested = resolve;
    });
    process.once('SIGINT', () => stopRequested('SIGINT'));
    process.once('SIGTERM', () => stopRequested('SIGTERM'));
    const box = new Box({
      home: stringOption(values, 'home'),
      host: stringOption(values, 'host'),
      port,
      acceptEmptyStore: values['accept-empty-store'] === true,
      regenerateToken: values['regenerate-token'] === true,
    });
    try {
      await box.start();
    } catch (error) {
      await box.stop();
      throw error;
    }
    console.log(`Databox ${box.status().version} is running at ${box.url}`);
    console.log(`  data folder: ${box.paths.home}`);
    if (box.adminToken.created) {
      console.log(
        `  first run: the admin token was written to ${box.paths.adminToken} (readable only by you)`,
      );
      console.log('  use it as "Authorization: Bearer <token>"; the CLI reads it from there itself');
    }
    console.log(`  dashboard: ${box.url}/`);
    if (box.tls)
      console.log(
        `  https: ${box.tls.url}/ (self-signed unless you gave your own; certificate SHA-256 fingerprint ${box.tls.fingerprint})`,
      );
    if (!new PasswordStore(box.store).isSet()) {
      console.log(
        `  no dashboard password yet: open ${box.url}/setup on this machine, or run "databox user set-password"`,
      );
    }
    console.log('  press Ctrl-C to stop');
    const signal = await stopped;
    console.log(`\n${signal} received, stopping…`);
    await box.stop();
    console.log('stopped');
    return 0;
  },
};
