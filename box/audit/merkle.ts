import { createHash } from 'node:crypto';

/**
 * RFC 9162 (Certificate Transparency v2) Merkle tree hashing over the audit log. Leaf i (0-based)
 * is entry seq i + 1; its input is the 32 bytes of the entry's chain hash (which already covers
 * the canonical entry and everything before it):
 *
 *   leaf(e)    = SHA-256(0x00 ‖ bytes(e.hash))
 *   node(l, r) = SHA-256(0x01 ‖ l ‖ r)
 *   MTH({})    = SHA-256("")
 *
 * and a tree of n > 1 leaves splits at k, the largest power of two below n. Proofs and their
 * verification follow RFC 9162 §2.1.3 and §2.1.4.
 */

/** Hash of a subtree `[start, end)` of leaves. */
export type SubtreeHash = (start: number, end: number) => Buffer;

export const EMPTY_ROOT = createHash('sha256').digest();

export function leafHash(entryHashHex: string): Buffer {
  return createHash('sha256').update(Buffer.of(0)).update(Buffer.from(entryHashHex, 'hex')).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

/** The largest power of two strictly below `n` (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH of leaf hashes (in memory; the stored tree uses it for chunks of 16). */
export function rootOf(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0];
  const k = splitPoint(leaves.length);
  return nodeHash(rootOf(leaves.slice(0, k)), rootOf(leaves.slice(k)));
}

/** Audit path of leaf `m` in the tree of leaves `[start, end)`, RFC 9162 §2.1.3.1. */
export function inclusionPath(m: number, start: number, end: number, subtree: SubtreeHash): Buffer[] {
  const n = end - start;
  if (n <= 1) return [];
  const k = splitPoint(n);
  return m < k
    ? [...inclusionPath(m, start, start + k, subtree), subtree(start + k, end)]
    : [...inclusionPath(m - k, start + k, end, subtree), subtree(start, start + k)];
}

/** Consistency proof from size `m` to size `n`, RFC 9162 §2.1.4.1. */
export function consistencyPath(m: number, n: number, subtree: SubtreeHash): Buffer[] {
  if (m <= 0 || m >= n) return [];
  const sub = (m: number, start: number, end: number, isStart: boolean): Buffer[] => {
    const size = end - start;
    if (m === size) return isStart ? [] : [subtree(start, end)];
    const k = splitPoint(size);
    return m <= k
      ? [...sub(m, start, start + k, isStart), subtree(start + k, end)]
      : [...sub(m - k, start + k, end, false), subtree(start, start + k)];
  };
  return sub(m, 0, n, true);
}

/** RFC 9162 §2.1.3.2: whether `path` proves leaf `index` with `leaf` hash in the tree of `size` with `root`. */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Buffer,
  path: readonly Buffer[],
  root: Buffer,
): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree (`size1`, `root1`) is a prefix of (`size2`, `root2`). */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Buffer,
  root2: Buffer,
  proof: readonly Buffer[],
): boolean {
  if (size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(root1) && sr.equals(root2) && sn === 0;
}
