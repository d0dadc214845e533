import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { AuditLog } from './audit-log.ts';
import { parseVerifierKey } from './box-key.ts';
import { verifyCheckpoint } from './checkpoint.ts';
import type { Checkpoints } from './checkpoints.ts';
import { jsonlLine } from './export.ts';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.ts';
import type { AuditFilter } from './types.ts';
import { verifyAuditJsonl } from './verify-jsonl.ts';

/**
 * An export bundle: the entries matching a filter, each with its inclusion proof in the tree of a
 * signed checkpoint, the checkpoint, the box's verifier key and the filter; optionally the
 * consistency proof from an older checkpoint. It verifies offline (`verifyBundle`, or
 * `docs/verify_audit.py --bundle`), without the rest of the log.
 */
export interface AuditBundle {
  format: 'databox-audit-bundle/1';
  filter: AuditFilter;
  verifierKey: string;
  checkpoint: string;
  /** Export lines (JSON Lines rows without their newline). */
  entries: string[];
  /** Base64 audit paths, one per entry. */
  proofs: string[][];
  consistency?: { checkpoint: string; proof: string[] };
}

/** Builds a bundle against a fresh checkpoint (and from `older`, a checkpoint note, if given). */
export function makeBundle(
  log: AuditLog,
  checkpoints: Checkpoints,
  verifierKey: string,
  filter: AuditFilter,
  older?: string,
): AuditBundle {
  const checkpoint = checkpoints.make();
  const entries: string[] = [];
  const proofs: string[][] = [];
  for (const entry of log.iterate({ ...filter, order: 'asc' })) {
    if (entry.seq > checkpoint.size) break;
    entries.push(jsonlLine(entry).slice(0, -1));
    proofs.push(checkpoints.tree.inclusionProof(entry.seq, checkpoint.size).map((b) => b.toString('base64')));
  }
  const bundle: AuditBundle = {
    format: 'databox-audit-bundle/1',
    filter,
    verifierKey,
    checkpoint: checkpoint.note,
    entries,
    proofs,
  };
  if (older !== undefined) {
    const key = parseVerifierKey(verifierKey);
    const old = verifyCheckpoint(older, key);
    bundle.consistency = {
      checkpoint: older,
      proof: checkpoints.tree.consistencyProof(old.size, checkpoint.size).map((b) => b.toString('base64')),
    };
  }
  return bundle;
}

/** Verifies a bundle (object or file path) offline; returns a summary or throws naming the entry. */
export async function verifyBundle(input: AuditBundle | string, trustedKey?: string): Promise<string> {
  const bundle: AuditBundle = typeof input === 'string' ? JSON.parse(readFileSync(input, 'utf8')) : input;
  if (trustedKey !== undefined && trustedKey.trim() !== bundle.verifierKey)
    throw new Error('the bundle is signed by another key than the one you trust');
  const key = parseVerifierKey(bundle.verifierKey);
  const checkpoint = verifyCheckpoint(bundle.checkpoint, key);
  if (bundle.entries.length !== bundle.proofs.length)
    throw new Error('the bundle has a different number of entries and proofs');
  // each line strictly, as in an export (gaps allowed: it is filtered)
  const lines = await verifyAuditJsonl(Readable.from(bundle.entries.map((l) => `${l}\n`)));
  if (!lines.ok) throw new Error(`entry ${lines.brokenAt ?? `line ${lines.line}`}: ${lines.reason}`);
  bundle.entries.forEach((line, i) => {
    const entry = JSON.parse(line) as { seq: number; hash: string };
    const path = bundle.proofs[i].map((p) => Buffer.from(p, 'base64'));
    if (!verifyInclusion(entry.seq - 1, checkpoint.size, leafHash(entry.hash), path, checkpoint.root))
      throw new Error(
        `seq ${entry.seq}: its inclusion proof does not lead to the checkpoint's root (not in the signed log)`,
      );
  });
  let summary = `${bundle.entries.length} entries are in the log of ${checkpoint.size} entries signed by ${key.name}`;
  if (bundle.consistency) {
    const old = verifyCheckpoint(bundle.consistency.checkpoint, key);
    const proof = bundle.consistency.proof.map((p) => Buffer.from(p, 'base64'));
    if (!verifyConsistency(old.size, checkpoint.size, old.root, checkpoint.root, proof))
      throw new Error(
        `the log at ${checkpoint.size} entries does not extend the checkpoint at ${old.size} (history was rewritten or forked)`,
      );
    summary += `; it extends the checkpoint at ${old.size} entries`;
  }
  return summary;
}
