import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../box/errors.ts';
import { loadGatewayOptions } from '../../export-gateway/options.ts';
import { useTempDir } from '../helpers/temp-dir.ts';

const tempDir = useTempDir('databox-gateway-options-');

describe('loadGatewayOptions', () => {
  it('uses the contract defaults when there is no config file', () => {
    expect(loadGatewayOptions(tempDir())).toEqual({
      devMode: false,
      maxAttempts: 8,
      connectTimeoutMs: 5000,
      totalTimeoutMs: 15_000,
      maxResponseBytes: 65_536,
      boxWidePerDay: 200,
      backoffBaseMs: 1000,
      backoffMaxMs: 300_000,
      concurrency: 4,
    });
  });

  it('reads the gateway key and ignores the rest of the box config', () => {
    const home = tempDir();
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ http: { port: 8080 }, gateway: { maxAttempts: 3 } }),
    );
    expect(loadGatewayOptions(home)).toMatchObject({ maxAttempts: 3, devMode: false });
  });

  it('lists every invalid field as gateway.<field>', () => {
    const home = tempDir();
    writeFileSync(join(home, 'config.json'), JSON.stringify({ gateway: { devMode: 'yes', maxAttempts: 0 } }));
    let error: unknown;
    try {
      loadGatewayOptions(home);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).details.map((d) => d.path).sort()).toEqual([
      'gateway.devMode',
      'gateway.maxAttempts',
    ]);
  });

  it('names the file when it is not JSON', () => {
    const home = tempDir();
    writeFileSync(join(home, 'config.json'), '{ nope');
    expect(() => loadGatewayOptions(home)).toThrow(/cannot read .*config\.json/);
  });
});
