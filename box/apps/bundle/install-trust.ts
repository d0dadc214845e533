import { BadRequestError } from '../../errors.ts';
import type { InstalledFile } from '../install-files.ts';
import { BUNDLE_MANIFEST, BUNDLE_SIGNATURE, type Publisher } from './bundle-format.ts';
import type { BundleTrust, UntrustedCode } from './verify-bundle.ts';

/** What an install is allowed to accept beyond a validly signed bundle from the same publisher. */
export interface TrustOptions {
  /** Install an unsigned, altered or badly signed bundle (recorded as unsigned, with why). */
  allowUnsigned?: boolean;
  /** Upgrade an app signed by one key with a version signed by another key (or unsigned). */
  allowKeyChange?: boolean;
}

/** Who vouches for an installed app's files, as recorded, shown and audited. */
export type InstallTrust =
  | { signed: true; publisher: Publisher }
  | { signed: false; code: UntrustedCode | 'folder'; reason: string };

/** The {@link InstallTrust} of a verified source (`folder` for a working folder without bundle files). */
export function installTrust(trust: BundleTrust | 'folder'): InstallTrust {
  if (trust === 'folder')
    return { signed: false, code: 'folder', reason: 'installed from a folder, not from a signed bundle' };
  if (trust.signed) return { signed: true, publisher: trust.publisher };
  // the reason may name the bundle's own paths: kept short
  return { signed: false, code: trust.code, reason: trust.reason.slice(0, 500) };
}

/**
 * Refuses a bundle that is not validly signed unless `allowUnsigned`: the error's code says which
 * check failed (`bundle_unsigned`, `bundle_manifest_invalid`, `bundle_signature_invalid`,
 * `bundle_altered`), its message why, and `details` every file or field at fault.
 */
export function refuseUntrusted(label: string, trust: BundleTrust, allowUnsigned = false): void {
  if (trust.signed || allowUnsigned) return;
  throw new BadRequestError(
    `${label} was refused: ${trust.reason}. Nothing was installed. To install it anyway, as unsigned, pass --allow-unsigned (dashboard: tick "Install although it is not validly signed")`,
    { code: trust.code, details: trust.details },
  );
}

/**
 * Refuses an upgrade whose publisher key differs from the installed version's unless
 * `allowKeyChange`: a new key may mean a new publisher. An unsigned upgrade of a signed app counts
 * as a change of key. An app installed unsigned (or before publishers were recorded) may be
 * replaced by any version.
 */
export function refuseKeyChange(
  app: { id: string; version: string },
  installed: InstallTrust | undefined,
  incoming: InstallTrust,
  nextVersion: string,
  allowKeyChange = false,
): void {
  if (!installed?.signed || allowKeyChange) return;
  if (incoming.signed && incoming.publisher.key === installed.publisher.key) return;
  const was = `${app.id} ${app.version} is signed by the key ${installed.publisher.fingerprint}`;
  const now = incoming.signed
    ? `${nextVersion} is signed by a different key, ${incoming.publisher.fingerprint}`
    : `${nextVersion} is not signed`;
  throw new BadRequestError(
    `upgrade refused: ${was}, and ${now}. A different key may mean a different publisher: install it only if the developer told you their key changed, with --allow-key-change (dashboard: tick "Accept the new publisher key")`,
    {
      code: 'publisher_key_changed',
      details: [{ path: BUNDLE_SIGNATURE, message: `${now}; installed: ${installed.publisher.fingerprint}` }],
    },
  );
}

/**
 * Checks that the files copied into the box are the ones signed (a file swapped between
 * verification and copy is refused): every copied file except the bundle's own two.
 */
export function refuseCopiedChanges(label: string, trust: BundleTrust, copied: InstalledFile[]): void {
  if (!trust.signed) return;
  const signed = new Map(trust.files.map((f) => [f.path, f.sha256]));
  const wrong = copied.filter(
    (f) => f.path !== BUNDLE_MANIFEST && f.path !== BUNDLE_SIGNATURE && signed.get(f.path) !== f.sha256,
  );
  if (wrong.length)
    throw new BadRequestError(`${label}: ${wrong[0].path} changed while it was being installed`, {
      code: 'bundle_altered',
      details: wrong.map((f) => ({ path: f.path, message: 'changed while it was being installed' })),
    });
}
