import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { joinDashValues } from '../../../box/cli/command.ts';
import { readCommand } from '../../../box/cli/commands/read.ts';
import { parseTimeArg } from '../../../box/cli/time-arg.ts';
import { BadRequestError } from '../../../box/errors.ts';
import { runCli } from '../../helpers/box-process.ts';

const NOW = Date.UTC(2026, 0, 8, 12, 0);

describe('parseTimeArg', () => {
  it('reads relative times as the README writes them', () => {
    expect(parseTimeArg('-7d', 'from', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseTimeArg('-24h', 'from', NOW)).toBe(NOW - 86_400_000);
    expect(parseTimeArg('-30m', 'from', NOW)).toBe(NOW - 1_800_000);
    expect(parseTimeArg('-1.5h', 'from', NOW)).toBe(NOW - 5_400_000);
    expect(parseTimeArg('-P90D', 'from', NOW)).toBe(NOW - 90 * 86_400_000);
    expect(parseTimeArg('now', 'to', NOW)).toBe(NOW);
    expect(parseTimeArg('1767225600000', 'from', NOW)).toBe(1767225600000);
  });

  it('reads a date as local midnight and an offset-less date-time as local time', () => {
    expect(parseTimeArg('2026-01-31', 'from', NOW)).toBe(new Date(2026, 0, 31).getTime());
    expect(parseTimeArg('2026-01-31T08:30', 'from', NOW)).toBe(new Date(2026, 0, 31, 8, 30).getTime());
    expect(parseTimeArg('2026-01-31 08:30', 'from', NOW)).toBe(new Date(2026, 0, 31, 8, 30).getTime());
    expect(parseTimeArg('2026-01-31T08:30Z', 'from', NOW)).toBe(Date.UTC(2026, 0, 31, 8, 30));
    expect(parseTimeArg('2026-01-31T08:30:00+01:00', 'from', NOW)).toBe(Date.UTC(2026, 0, 31, 7, 30));
  });

  it('names the option and the forms it takes for anything else', () => {
    for (const bad of ['-7x', 'yesterday', '2026-02-30', '2026-13-01', '7d', '-P', ''])
      expect(() => parseTimeArg(bad, 'from', NOW), bad).toThrow(BadRequestError);
    expect(() => parseTimeArg('soon', 'since', NOW)).toThrow(
      /--since "soon" is not a time: use now, -24h, -7d/,
    );
  });
});

describe('joinDashValues', () => {
  const options = readCommand.options;
  it('joins a string option with a value that starts with "-"', () => {
    expect(joinDashValues(['meter.power', '--from', '-7d', '--to', '-1h'], options)).toEqual([
      'meter.power',
      '--from=-7d',
      '--to=-1h',
    ]);
    expect(joinDashValues(['x', '--from=-7d'], options)).toEqual(['x', '--from=-7d']);
  });

  it('leaves options, -h, boolean flags and everything after -- alone', () => {
    expect(joinDashValues(['x', '--from', '--to', 'now'], options)).toEqual(['x', '--from', '--to', 'now']);
    expect(joinDashValues(['x', '--from', '-h'], options)).toEqual(['x', '--from', '-h']);
    expect(joinDashValues(['--', '--from', '-7d'], options)).toEqual(['--', '--from', '-7d']);
    expect(joinDashValues(['--help', '-7d'], options)).toEqual(['--help', '-7d']);
  });
});

describe('databox read and audit export with relative times (CLI process)', () => {
  const home = mkdtempSync(join(tmpdir(), 'databox-time-arg-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('accepts --from -7d and --since -7d as written, and explains a bad time', () => {
    const add = runCli([
      'datasource',
      'add',
      'meter.power',
      '--kind',
      'electricity.import.power',
      '--unit',
      'W',
      '--home',
      home,
    ]);
    expect(add.stderr).toBe('');
    const t = new Date(Date.now() - 3_600_000).toISOString();
    const write = runCli(
      ['write', 'meter.power', '-', '--format', 'csv', '--home', home],
      `time,value\n${t},250\n`,
    );
    expect(write.status, write.stderr).toBe(0);
    const read = runCli([
      'read',
      'meter.power',
      '--from',
      '-7d',
      '--resolution',
      '30min',
      '--agg',
      'mean',
      '--home',
      home,
    ]);
    expect(read.stderr).toBe('');
    expect(read.status).toBe(0);
    // printed in the box's zone with its offset
    expect(read.stdout).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00(\.000Z|[+-]\d{2}:\d{2}) {2}250$/m);
    const exported = runCli(['audit', 'export', '--since', '-7d', '--home', home]);
    expect(exported.status, exported.stderr).toBe(0);
    expect(
      exported.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).action),
    ).toContain('datasource.create');
    const bad = runCli(['read', 'meter.power', '--from', '-7days', '--home', home]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--from "-7days" is not a time');
  });
});
