import { existsSync } from 'node:fs';
import { readAdminToken } from '../../config/admin-token.ts';
import { loadConfig } from '../../config/load-config.ts';
import { boxPaths } from '../../config/paths.ts';
import { type Command, HOME_OPTION, stringOption } from '../command.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show whether the box is running, and its status.',
  usage: 'status [--home DIR] [--url URL]',
  options: {
    home: HOME_OPTION,
    url: { type: 'string', description: 'box URL (default from the config file)', placeholder: 'URL' },
  },
  async run({ values }) {
    const paths = boxPaths(stringOption(values, 'home'));
    if (!existsSync(paths.config)) {
      console.log(`no box set up at ${paths.home}: start one with "databox start"`);
      return 1;
    }
    const { config } = loadConfig(paths.config);
    const url =
      stringOption(values, 'url') ??
      `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${config.http.port}`;
    const token = readAdminToken(paths.adminToken) ?? '';
    try {
      const response = await fetch(`${url}/api/v1/status`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(3000),
      });
      const body = (await response.json()) as Record<string, unknown>;
      if (!response.ok) {
        console.log(`the box at ${url} answered ${response.status}: ${JSON.stringify(body)}`);
        return 1;
      }
      console.log(`running at ${url}`);
      for (const [key, value] of Object.entries(body))
        console.log(`  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`);
      return 0;
    } catch {
      console.log(`not running (nothing answered at ${url}); data folder ${paths.home}`);
      return 1;
    }
  },
};
