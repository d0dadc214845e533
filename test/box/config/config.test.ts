import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureAdminToken } from '../../../box/config/admin-token.ts';
import { ConfigError, loadConfig } from '../../../box/config/load-config.ts';
import { boxPaths } from '../../../box/config/paths.ts';
import { runCli } from '../../helpers/box-process.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();

describe('config file', () => {
  it('is written with defaults on first run', () => {
    const file = join(tempDir(), 'config.json');
    const { config, created } = loadConfig(file);
    expect(created).toBe(true);
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 7330,
      bodyLimitBytes: 16 * 1024 * 1024,
      allowedHosts: [],
      tls: { enabled: false, host: '0.0.0.0', port: 7443 },
    });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(config);
    expect(loadConfig(file).created).toBe(false);
  });

  it('lists every problem as path: message', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ http: { port: 'x', hots: '0.0.0.0' }, retention: { intervalMinutes: 0 }, extra: 1 }),
    );
    let error: ConfigError | undefined;
    try {
      loadConfig(file);
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.details.map((d) => d.path).sort()).toEqual([
      'extra',
      'http.hots',
      'http.port',
      'retention.intervalMinutes',
    ]);
  });

  it('names a JSON syntax error', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, '{ "http": ');
    expect(() => loadConfig(file)).toThrow(/config file .* is invalid/);
  });

  it('makes the box refuse to start, printing each problem', () => {
    const home = tempDir();
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ http: { port: 70000 }, store: { synchronous: 'OFF' } }),
    );
    const result = runCli(['start', '--home', home, '--port', '0']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('is invalid; the box will not start');
    expect(result.stderr).toMatch(/http\.port: .*65535/);
    expect(result.stderr).toMatch(/store\.synchronous: /);
    expect(existsSync(join(home, 'databox.db'))).toBe(false);
  });
});

describe('admin token and paths', () => {
  it('creates the token once, readable only by its owner', () => {
    const file = join(tempDir(), 'admin-token');
    const first = ensureAdminToken(file);
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(ensureAdminToken(file)).toEqual({ token: first.token, created: false });
  });

  it('puts the data under --home, else $DATABOX_HOME, else ~/.databox', () => {
    expect(boxPaths('/srv/x', { DATABOX_HOME: '/nope' }).database).toBe('/srv/x/databox.db');
    expect(boxPaths(undefined, { DATABOX_HOME: '/srv/y' }).config).toBe('/srv/y/config.json');
    expect(boxPaths(undefined, {}).home).toMatch(/\.databox$/);
  });
});
