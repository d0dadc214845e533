import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.ts';

const MAIN = fileURLToPath(new URL('../../export-gateway/main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const tempDir = useTempDir('databox-gateway-main-');

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', TSX, MAIN, ...args],
      { timeout: 20_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('export-gateway/main', () => {
  it('prints usage for --help', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: node export-gateway/main.js --home <DATABOX_HOME>');
  });

  it('exits 1 naming what is missing or wrong', async () => {
    const missing = await run();
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--home <DATABOX_HOME> is required');
    const home = tempDir();
    writeFileSync(join(home, 'config.json'), JSON.stringify({ gateway: { maxAttempts: 'many' } }));
    const invalid = await run('--home', home);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/invalid gateway options[\s\S]*gateway\.maxAttempts:/);
  });
});
