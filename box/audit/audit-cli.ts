import { readFileSync, writeFileSync } from 'node:fs';
import type { Store } from '../store/store.ts';
import { loadOrCreateBoxKey } from './box-key.ts';
import { makeBundle, verifyBundle } from './bundle.ts';
import { ChainStatus } from './chain-status.ts';
import { verifyCheckpoint } from './checkpoint.ts';
import { Checkpoints } from './checkpoints.ts';
import { checkConsentBindings } from './consent-binding.ts';
import type { AuditFilter } from './types.ts';

/**
 * The `databox audit key|checkpoint|bundle|verify --checkpoint|--bundle` subcommands, kept beside
 * the audit code; `box/cli/commands/audit.ts` parses the flags and calls these. Each prints and
 * returns the exit status.
 */
export const auditCli = {
  key(home: string): number {
    const key = loadOrCreateBoxKey(home);
    console.log(
      `${key.verifierKey}\n(private key: ${home}/audit-key.pem; give the line above to whoever checks your checkpoints)`,
    );
    return 0;
  },

  checkpoint(store: Store, home: string, out: string | undefined): number {
    store.ingest.sealDue(store.now());
    const checkpoint = new Checkpoints(store.db, store.audit, loadOrCreateBoxKey(home), home).make(
      store.now(),
    );
    if (out) writeFileSync(out, checkpoint.note);
    process.stdout.write(checkpoint.note);
    return 0;
  },

  bundle(store: Store, home: string, filter: AuditFilter, out: string, older: string | undefined): number {
    const key = loadOrCreateBoxKey(home);
    store.ingest.sealAll('flush');
    const checkpoints = new Checkpoints(store.db, store.audit, key, home);
    const bundle = makeBundle(
      store.audit,
      checkpoints,
      key.verifierKey,
      filter,
      older && readFileSync(older, 'utf8'),
    );
    writeFileSync(out, `${JSON.stringify(bundle, null, 1)}\n`);
    console.error(
      `bundled ${bundle.entries.length} entries with proofs against the checkpoint at ${bundle.checkpoint.split('\n')[1]} entries into ${out}`,
    );
    return 0;
  },

  /** Each stored consent receipt and grant against the digest and revocations in the chain. */
  verifyConsents(store: Store): number {
    const { checked, unbound, problems } = checkConsentBindings(store.db, store.audit);
    for (const p of problems)
      console.log(`BROKEN consent${p.seq === null ? '' : ` at seq ${p.seq}`}: ${p.message}`);
    if (problems.length > 0) return 1;
    const older = unbound > 0 ? ` (${unbound} recorded before digests were kept: not checked)` : '';
    console.log(`OK: ${checked} consent receipts match the chain${older}`);
    return 0;
  },

  async verifyBundle(file: string): Promise<number> {
    try {
      console.log(`OK: ${await verifyBundle(file)}`);
      return 0;
    } catch (error) {
      console.log(`BROKEN: ${(error as Error).message}`);
      return 1;
    }
  },

  /** Full verification of the log, then that it contains the tree `file` signed. */
  verifyCheckpoint(store: Store, home: string, file: string): number {
    const key = loadOrCreateBoxKey(home);
    let size: number;
    let root: Buffer;
    try {
      ({ size, root } = verifyCheckpoint(readFileSync(file, 'utf8'), key));
    } catch (error) {
      console.log(`BROKEN: ${file}: ${(error as Error).message}`);
      return 1;
    }
    const chain = new ChainStatus(store.db, store.audit).advance(Number.POSITIVE_INFINITY, store.now(), true);
    if (chain.broken) {
      console.log(`BROKEN at seq ${chain.broken.seq}: ${chain.broken.reason}`);
      return 1;
    }
    if (chain.head.seq < size) {
      console.log(
        `BROKEN: ${file} was signed at ${size} entries, the log has ${chain.head.seq}: entries ${chain.head.seq + 1}..${size} were removed (truncated tail)`,
      );
      return 1;
    }
    const checkpoints = new Checkpoints(store.db, store.audit, key, home);
    checkpoints.tree.rebuild();
    if (!checkpoints.tree.root(size).equals(root)) {
      console.log(
        `BROKEN: the first ${size} entries are not those ${file} signed (history was rewritten and re-hashed, or forked)`,
      );
      return 1;
    }
    console.log(
      `OK: ${chain.head.seq} entries, chain intact, and they extend the checkpoint at ${size} entries (${file})`,
    );
    return 0;
  },
};
