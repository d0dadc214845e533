import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateBoxKey } from '../../../box/audit/box-key.ts';
import { makeBundle, verifyBundle } from '../../../box/audit/bundle.ts';
import { parseCheckpoint } from '../../../box/audit/checkpoint.ts';
import { Checkpoints } from '../../../box/audit/checkpoints.ts';
import { Store } from '../../../box/store/store.ts';
import { tamper } from './temp-db.ts';

const PY = join(import.meta.dirname, '../../../docs/verify_audit.py');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function box(entries: number) {
  const home = mkdtempSync(join(tmpdir(), 'databox-cp-'));
  dirs.push(home);
  const store = Store.open(join(home, 'databox.db'));
  store.transaction(() => {
    for (let i = 0; i < entries; i++)
      store.audit.append({ actor: i % 3 ? 'box' : 'app:energy', action: 'test.fill', details: { i } });
  });
  const key = loadOrCreateBoxKey(home);
  return { home, store, key, checkpoints: new Checkpoints(store.db, store.audit, key, home) };
}

function python(bundle: object) {
  const file = join(dirs[0], `bundle-${Math.random()}.json`);
  writeFileSync(file, JSON.stringify(bundle));
  const run = spawnSync('python3', [PY, '--bundle', file], { encoding: 'utf8' });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

describe('signed checkpoints and proofs', () => {
  it('signs a C2SP checkpoint with a 0600 key; a filtered bundle with a consistency proof verifies in TS and Python', async () => {
    const { home, store, key, checkpoints } = box(1000);
    expect(statSync(join(home, 'audit-key.pem')).mode & 0o777).toBe(0o600);
    const old = checkpoints.make();
    expect(old.note).toMatch(
      new RegExp(`^${key.name}\\n1000\\n[A-Za-z0-9+/]{43}=\\n\\n\u2014 ${key.name} [A-Za-z0-9+/=]+\\n$`),
    );
    expect(readFileSync(join(home, 'checkpoints', 'latest'), 'utf8')).toBe(old.note);
    for (let i = 0; i < 333; i++) store.audit.append({ actor: 'box', action: 'test.more', details: { i } });
    const bundle = makeBundle(store.audit, checkpoints, key.verifierKey, { actor: 'app:energy' }, old.note);
    expect(bundle.entries).toHaveLength(334);
    expect(await verifyBundle(bundle)).toMatch(
      /334 entries are in the log of 1333 entries.*extends the checkpoint at 1000/,
    );
    const ok = python(bundle);
    expect(ok.out).toMatch(/consistent: the checkpoint at 1000 entries is a prefix of the one at 1333/);
    expect(ok.out).toMatch(/ok: 334 entries included .*signature verified/);
    expect(ok.status).toBe(0);

    // a forged entry (changed and re-hashed on its own) is not in the signed tree
    const forged = structuredClone(bundle);
    const e = JSON.parse(forged.entries[5]);
    forged.entries[5] = forged.entries[5].replace(`"i":${e.details.i}`, `"i":${e.details.i + 1}`);
    await expect(verifyBundle(forged)).rejects.toThrow(new RegExp(`entry ${e.seq}: hash mismatch`));
    expect(python(forged).status).toBe(1);
    // an entry from another log, with its own valid hash, does not reach the root
    const other = box(1000);
    const foreign = makeBundle(other.store.audit, other.checkpoints, other.key.verifierKey, {
      actor: 'app:energy',
    });
    const mixed = {
      ...bundle,
      entries: [...bundle.entries.slice(0, 3), foreign.entries[3]],
      proofs: bundle.proofs.slice(0, 4),
    };
    await expect(verifyBundle(mixed)).rejects.toThrow(
      /inclusion proof does not lead to the checkpoint's root/,
    );
    expect(python(mixed).out).toMatch(/inclusion proof does not lead/);
    // an altered checkpoint fails its signature in both
    const altered = { ...bundle, checkpoint: bundle.checkpoint.replace('\n1333\n', '\n1334\n') };
    await expect(verifyBundle(altered)).rejects.toThrow(/does not verify/);
    expect(python(altered).out).toMatch(/signature does not verify/);
    // a rewritten history is not consistent with the old checkpoint
    const wrongOld = { ...bundle, consistency: { ...bundle.consistency!, proof: foreign.proofs[0] } };
    expect(python(wrongOld).out).toMatch(/does not extend the checkpoint at 1000/);
    store.close();
    other.store.close();
  });

  it('refuses to start on a truncated, rewritten-and-rehashed or forked log, naming the file', () => {
    const { home, store, key, checkpoints } = box(100);
    checkpoints.make();
    expect(checkpoints.checkAtStart()).toEqual({ size: 100 });
    // rewrite entry 50 and recompute every later hash: the chain verifies, the checkpoint does not
    const rows = store.db.prepare('SELECT * FROM audit WHERE seq >= 50 ORDER BY seq').all() as Array<
      Record<string, never>
    >;
    const rewritten = Store.open(':memory:');
    rewritten.transaction(() => {
      for (const r of store.db.prepare('SELECT * FROM audit WHERE seq < 50 ORDER BY seq').all() as Array<{
        ts: number;
        actor: string;
        action: string;
        subject: string;
        details: string;
      }>)
        rewritten.db
          .prepare('INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(...Object.values(r as object));
      for (const r of rows)
        rewritten.audit.append({ actor: 'box', action: 'test.fill', details: { i: -1, was: String(r.seq) } });
    });
    tamper(store.db, 'DELETE FROM audit WHERE seq >= 50');
    for (const r of rewritten.db.prepare('SELECT * FROM audit WHERE seq >= 50 ORDER BY seq').all())
      store.db
        .prepare('INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(...Object.values(r as object));
    expect(store.audit.verify().ok).toBe(true);
    const file = join(home, 'checkpoints', 'latest');
    expect(() => checkpoints.checkAtStart()).toThrow(
      `forked: its first 100 entries are not the ones ${file} signed`,
    );
    // truncation: the log went backwards, sequence numbers would be reused
    tamper(store.db, 'DELETE FROM audit WHERE seq > 90');
    expect(() => checkpoints.checkAtStart()).toThrow(
      /went backwards: .*signed at 100 entries but the database has 90.*move .* away/,
    );
    // a forged checkpoint file (size edited) fails its signature
    writeFileSync(file, readFileSync(file, 'utf8').replace('\n100\n', '\n10\n'));
    expect(() => checkpoints.checkAtStart()).toThrow(/does not verify with this box's key/);
    expect(parseCheckpoint(readFileSync(file, 'utf8')).size).toBe(10);
    expect(key.name).toMatch(/^databox\/[0-9a-f]{16}$/);
    store.close();
    rewritten.close();
  });
});
