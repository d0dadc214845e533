import { noteKeyId, verifyEd25519 } from '../../audit/box-key.ts';
import type { ErrorDetail } from '../../errors.ts';
import {
  BUNDLE_MANIFEST,
  BUNDLE_SIGNATURE,
  type BundleManifest,
  bundleManifestSchema,
  bundlePathProblem,
  keyName,
  type Publisher,
  publisherOf,
} from './bundle-format.ts';

/** Why a bundle is not trusted as signed (each refused unless unsigned installs are allowed). */
export type UntrustedCode =
  | 'bundle_unsigned'
  | 'bundle_manifest_invalid'
  | 'bundle_signature_invalid'
  | 'bundle_altered';

/** What verification found: signed by a publisher (every file as signed), or why not. */
export type BundleTrust =
  | {
      signed: true;
      publisher: Publisher;
      app: BundleManifest['app'];
      packedAt: string;
      files: BundleManifest['files'];
    }
  | { signed: false; code: UntrustedCode; reason: string; details: ErrorDetail[] };

/** One file of a bundle as found (not one of the two bundle files), with its digest on demand. */
export interface BundleContentFile {
  path: string;
  bytes: number;
  sha256(): string;
}

/** What {@link verifyBundle} checks: the bundle's two files (if present) and everything else in it. */
export interface BundleContent {
  manifest?: Buffer;
  signature?: Buffer;
  files: BundleContentFile[];
  /** Folder entries (an archive's, or a folder's sub-folders); each must hold a signed file. */
  dirs: string[];
}

const untrusted = (code: UntrustedCode, reason: string, details: ErrorDetail[] = []): BundleTrust => ({
  signed: false,
  code,
  reason,
  details: details.length ? details : [{ path: BUNDLE_MANIFEST, message: reason }],
});

/**
 * Verifies a bundle in three steps, stopping at the first that fails: the bundle manifest is
 * well-formed and lists only safe relative paths; `databox-bundle.sig` is a valid Ed25519
 * signature of its exact bytes by the key the manifest names; and the bundle holds exactly the
 * files listed, each with the signed size and SHA-256 (nothing added, nothing missing). It never
 * throws for a bad bundle: it says why in `reason` and lists each problem in `details`, so the
 * caller decides (install refuses unless unsigned installs are allowed).
 *
 * @example
 * const trust = verifyBundle(content);
 * if (!trust.signed) console.log(trust.reason); // "dist/app.js differs from the file signed in databox-bundle.json (sha256)"
 */
export function verifyBundle(content: BundleContent): BundleTrust {
  if (!content.manifest && !content.signature)
    return untrusted(
      'bundle_unsigned',
      `it is unsigned (it holds no ${BUNDLE_MANIFEST} and no ${BUNDLE_SIGNATURE})`,
    );
  if (!content.signature)
    return untrusted(
      'bundle_unsigned',
      `it is unsigned (it holds ${BUNDLE_MANIFEST} but no ${BUNDLE_SIGNATURE})`,
    );
  if (!content.manifest)
    return untrusted(
      'bundle_manifest_invalid',
      `it holds ${BUNDLE_SIGNATURE} but no ${BUNDLE_MANIFEST} to check it against`,
    );
  const parsed = parseManifest(content.manifest);
  if ('problems' in parsed)
    return untrusted(
      'bundle_manifest_invalid',
      `its ${BUNDLE_MANIFEST} is not valid: ${parsed.problems[0].path}: ${parsed.problems[0].message}`,
      parsed.problems,
    );
  const manifest = parsed.manifest;
  const publicKey = Buffer.from(manifest.publisher.key, 'base64');
  const signatureProblem = checkSignature(
    content.manifest,
    content.signature,
    manifest.publisher.name,
    publicKey,
  );
  if (signatureProblem)
    return untrusted('bundle_signature_invalid', `its signature is invalid: ${signatureProblem}`, [
      { path: BUNDLE_SIGNATURE, message: signatureProblem },
    ]);
  const problems = compareFiles(manifest.files, content);
  if (problems.length) {
    const [first] = problems;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    return untrusted(
      'bundle_altered',
      `it was altered after it was signed: ${first.path} ${first.message}${more}`,
      problems,
    );
  }
  return {
    signed: true,
    publisher: publisherOf(publicKey),
    app: manifest.app,
    packedAt: manifest.packedAt,
    files: manifest.files,
  };
}

function parseManifest(bytes: Buffer): { manifest: BundleManifest } | { problems: ErrorDetail[] } {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return { problems: [{ path: BUNDLE_MANIFEST, message: `is not JSON (${(error as Error).message})` }] };
  }
  const result = bundleManifestSchema.safeParse(json);
  if (!result.success)
    return {
      problems: result.error.issues.map((i) => ({
        path: `${BUNDLE_MANIFEST} ${i.path.join('.') || '.'}`,
        message: i.message,
      })),
    };
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  result.data.files.forEach((f, i) => {
    const problem = bundlePathProblem(f.path) ?? (seen.has(f.path) ? 'is listed twice' : undefined);
    if (problem)
      problems.push({ path: `${BUNDLE_MANIFEST} files.${i}.path`, message: `"${f.path}" ${problem}` });
    seen.add(f.path);
  });
  return problems.length ? { problems } : { manifest: result.data };
}

/** Why the signature line does not verify, or undefined (C2SP signed-note: `— <name> <base64(key id ‖ sig)>`). */
function checkSignature(text: Buffer, sig: Buffer, name: string, publicKey: Buffer): string | undefined {
  const line = sig.toString('utf8');
  const match = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})\n$/.exec(line);
  if (!match) return `${BUNDLE_SIGNATURE} is not one signed-note line "— <key name> <base64>"`;
  if (name !== keyName(publicKey))
    return `the key name ${name} in ${BUNDLE_MANIFEST} does not belong to its key`;
  if (match[1] !== name)
    return `it is signed by ${match[1]}, not by the key ${BUNDLE_MANIFEST} names (${name})`;
  const bytes = Buffer.from(match[2], 'base64');
  if (bytes.length !== 68) return 'the signature is not 4 key-id bytes and 64 signature bytes';
  if (!bytes.subarray(0, 4).equals(noteKeyId(name, publicKey))) return `its key id is not that of ${name}`;
  if (!verifyEd25519(publicKey, text, bytes.subarray(4)))
    return `the Ed25519 signature does not match ${BUNDLE_MANIFEST} and the key it names (made by another key, or the manifest was edited)`;
  return undefined;
}

function compareFiles(signed: BundleManifest['files'], content: BundleContent): ErrorDetail[] {
  const expected = new Map(signed.map((f) => [f.path, f]));
  const problems: ErrorDetail[] = [];
  for (const file of content.files) {
    const want = expected.get(file.path);
    expected.delete(file.path);
    if (!want)
      problems.push({
        path: file.path,
        message: `is in the bundle but not in the signed ${BUNDLE_MANIFEST}`,
      });
    else if (want.bytes !== file.bytes || want.sha256 !== file.sha256())
      problems.push({
        path: file.path,
        message: `differs from the file signed in ${BUNDLE_MANIFEST} (sha256)`,
      });
  }
  for (const path of expected.keys())
    problems.push({ path, message: `is signed in ${BUNDLE_MANIFEST} but missing from the bundle` });
  const folders = new Set(
    signed.flatMap((f) =>
      f.path
        .split('/')
        .slice(0, -1)
        .map((_, i, a) => a.slice(0, i + 1).join('/')),
    ),
  );
  for (const dir of content.dirs)
    if (!folders.has(dir))
      problems.push({ path: dir, message: `is a folder that holds no file signed in ${BUNDLE_MANIFEST}` });
  return problems;
}
