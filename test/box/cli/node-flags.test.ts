import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../../box/cli/node-flags.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';

describe('the daemon node flags', () => {
  it('are the same in the bin shim’s #! line, npm start and DAEMON_NODE_FLAGS', () => {
    const shebang = readFileSync(join(REPO_ROOT, 'bin/databox.js'), 'utf8').split('\n')[0];
    const env = Object.entries(DAEMON_ENV).map(([k, v]) => `${k}=${v}`);
    expect(shebang).toBe(`#!/usr/bin/env -S ${env.join(' ')} node ${DAEMON_NODE_FLAGS.join(' ')}`);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe(
      `${env.join(' ')} node ${DAEMON_NODE_FLAGS.join(' ')} bin/databox.js start`,
    );
  });
});
