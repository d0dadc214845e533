import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The signed app bundle (`databox app pack`): a gzipped ustar archive whose top level holds
 * `databox-bundle.json` (the bundle manifest: every file's path, size and SHA-256), then
 * `databox-bundle.sig` (one C2SP signed-note signature line over the exact bytes of the bundle
 * manifest), then the app's files. The two files together are a signed note
 * (`json ‖ "\n" ‖ sig`), made the way the box signs its audit checkpoints (box/audit/box-key.ts).
 * Described for developers in docs/app-developers.md, "Shipping: app pack and signing".
 */
export const BUNDLE_FORMAT = 'databox-app-bundle/1';
export const BUNDLE_MANIFEST = 'databox-bundle.json';
export const BUNDLE_SIGNATURE = 'databox-bundle.sig';
/** Key names are `databox-app/<16 hex of SHA-256(public key)>`, as the box's own are `databox/…`. */
export const KEY_NAME_PREFIX = 'databox-app/';

/** Who signed a bundle: the key and the fingerprint a householder compares. */
export interface Publisher {
  /** The signed-note key name, `databox-app/<16 hex>`. */
  name: string;
  /** The raw 32-byte Ed25519 public key, base64. */
  key: string;
  /** `SHA256:` and the unpadded base64 of SHA-256(raw public key): what people compare. */
  fingerprint: string;
}

/** The fingerprint of a raw Ed25519 public key (`SHA256:…`, 43 base64 characters). */
export function keyFingerprint(publicKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKey).digest('base64').replace(/=+$/, '')}`;
}

/** The signed-note key name of a raw Ed25519 public key. */
export function keyName(publicKey: Buffer): string {
  return `${KEY_NAME_PREFIX}${createHash('sha256').update(publicKey).digest('hex').slice(0, 16)}`;
}

/** The publisher record of a raw public key. */
export function publisherOf(publicKey: Buffer): Publisher {
  return {
    name: keyName(publicKey),
    key: publicKey.toString('base64'),
    fingerprint: keyFingerprint(publicKey),
  };
}

/**
 * Why a signed path is refused, or undefined: the bundle manifest may list only plain relative
 * `/`-separated paths in normal form (no `.`/`..`/empty parts, no backslash, NUL or control
 * characters), never the bundle's own two files.
 */
export function bundlePathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return 'has a control character or a backslash';
  if (path.startsWith('/')) return 'is an absolute path';
  const parts = path.split('/');
  if (parts.includes('..')) return 'has ".." in its path (it would land outside the app folder)';
  if (parts.some((p) => p === '' || p === '.')) return 'is not in normal form (empty or "." part)';
  if (path === BUNDLE_MANIFEST || path === BUNDLE_SIGNATURE) return 'is one of the bundle files';
  return undefined;
}

const fileSchema = z.strictObject({
  path: z.string().max(1024),
  bytes: z.int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
});

/** The zod schema of `databox-bundle.json`. */
export const bundleManifestSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  app: z.strictObject({ id: z.string().max(64), version: z.string().max(256) }),
  publisher: z.strictObject({
    name: z.string().startsWith(KEY_NAME_PREFIX).max(64),
    key: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be a base64 Ed25519 public key (32 bytes)'),
  }),
  packedAt: z.iso.datetime(),
  files: z.array(fileSchema).min(1).max(10_000),
});

/** A parsed bundle manifest. */
export type BundleManifest = z.output<typeof bundleManifestSchema>;

/** The bundle manifest's bytes as packed: pretty JSON ending in one newline (a signed note's text). */
export function bundleManifestText(manifest: BundleManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
