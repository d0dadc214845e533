import { afterEach, expect, it, vi } from 'vitest';
import { main } from '../../../box/cli/main.ts';

const COMMANDS = [
  'start',
  'status',
  'datasource',
  'driver',
  'write',
  'import',
  'read',
  'audit',
  'app',
  'exports',
  'user',
  'image',
];

afterEach(() => vi.restoreAllMocks());

function capture(): { out: () => string } {
  let text = '';
  const log = (...args: unknown[]) => {
    text += `${args.join(' ')}\n`;
  };
  vi.spyOn(console, 'log').mockImplementation(log);
  vi.spyOn(console, 'error').mockImplementation(log);
  return { out: () => text };
}

it('lists every command, and each has --help with its usage and options', { timeout: 60_000 }, async () => {
  const top = capture();
  expect(await main(['--help'])).toBe(0);
  for (const name of COMMANDS) expect(top.out()).toContain(`  ${name} `);
  for (const name of COMMANDS) {
    const io = capture();
    expect(await main([name, '--help']), name).toBe(0);
    expect(io.out()).toContain(`Usage: databox ${name}`);
    expect(io.out()).toContain('--help');
  }
});

it('names a wrong option and where to look, and exits 1', async () => {
  const io = capture();
  expect(await main(['read', 'x', '--form', '-7d'])).toBe(1);
  expect(io.out()).toContain("databox read: Unknown option '--form'");
  expect(io.out()).toContain('Run "databox read --help" for usage.');
});
