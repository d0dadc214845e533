import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../apps-sdk/src/manifest.ts';
import type { TokenRegistry } from '../arbiter/token-registry.ts';
import { consentDigest } from '../audit/consent-binding.ts';
import { BadRequestError, NotFoundError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { readTimeSettings } from '../time/time-settings.ts';
import { AppRegistry } from './app-registry.ts';
import { settingsNamespace } from './app-settings-store.ts';
import { loadAppSource } from './app-source.ts';
import { keptChoices, type PermissionDiff, permissionDiff } from './app-upgrade.ts';
import {
  type InstallTrust,
  installTrust,
  refuseCopiedChanges,
  refuseKeyChange,
  type TrustOptions,
} from './bundle/install-trust.ts';
import { PublisherRecord } from './bundle/publisher-record.ts';
import { type ResolvedConsent, resolveConsent } from './consent.ts';
import { buildConsentReceipt } from './consent-receipt.ts';
import { InstallDigests } from './install-digests.ts';
import {
  copyScannedTree,
  DEFAULT_INSTALL_LIMITS,
  type InstalledFile,
  type InstallLimits,
  treeDigest,
} from './install-files.ts';
import type { Consent, ConsentChoices, Grant, InstalledApp } from './types.ts';

export interface AppManagerOptions {
  /** Where installed apps are copied: `<appsDir>/<id>/<version>` (normally `<home>/apps`). */
  appsDir: string;
  /** Live run tokens to end on uninstall and revocation (the daemon's; the CLI has none). */
  tokens?: TokenRegistry;
  /** Caps on an app's files (count and bytes, for folders and unpacked archives). */
  installLimits?: InstallLimits;
}

/** An installed app with the digest of each of its files (as `app show` and `GET /apps/:id` report it). */
export interface InstalledAppInfo extends InstalledApp {
  /** sha256 over every file's path and digest (see `treeDigest`); null for an app installed before digests were kept. */
  filesDigest: string | null;
  files: InstalledFile[];
  /** Who vouches for the files: the publisher key of a signed bundle, or why unsigned; null before publishers were kept. */
  publisher: InstallTrust | null;
}

export interface InstallResult {
  app: InstalledApp;
  consent: Consent;
  grants: Grant[];
  /** What this version asks for compared with the one it replaced (all `added` at first install). */
  diff?: PermissionDiff;
  /** Install only: the installed version's publisher (signed) or why it is unsigned. */
  trust?: InstallTrust;
}

/**
 * Install, consent, revocation and uninstall of apps. Every change commits together with its
 * audit entries (`app.install`, `app.grant`, `app.revoke`, `app.uninstall`) and every install or
 * change of grant stores a new consent receipt, superseding the previous consent.
 *
 * @example
 * const apps = new AppManager(store, { appsDir: join(home, 'apps') });
 * apps.install('examples/energy-insights', {
 *   requests: { power: { datasource: 'meter.power', resolution: '30min', history: 'P90D' } },
 *   expires: 'P1Y',
 *   destinations: ['monthly-summary'],
 * });
 */
export class AppManager {
  readonly registry: AppRegistry;
  readonly digests: InstallDigests;
  readonly publishers: PublisherRecord;
  readonly #store: Store;
  readonly #options: AppManagerOptions;

  constructor(store: Store, options: AppManagerOptions) {
    this.#store = store;
    this.#options = options;
    this.registry = new AppRegistry(store.db);
    this.digests = new InstallDigests(store.db);
    this.publishers = new PublisherRecord(store.db);
  }

  /**
   * Installs (or upgrades) the app at `source` (folder or .tgz) with the householder's choices.
   * Validation comes first and lists every problem; nothing is copied or stored unless all pass.
   * Only plain files and folders are installed (links and special files are refused, see
   * `scanAppFolder`), copied without following anything, and each copy's sha256 is recorded.
   *
   * Every path that installs an app (CLI, HTTP, dashboard, catalogue) comes here, so the bundle
   * checks apply to all: an archive (or a folder holding `databox-bundle.json`) must be a bundle
   * validly signed by `databox app pack` — every file's SHA-256 as signed, nothing added, the
   * Ed25519 signature valid — or it is refused (codes `bundle_unsigned`, `bundle_altered`,
   * `bundle_signature_invalid`, `bundle_manifest_invalid`) unless `trust.allowUnsigned`; an
   * upgrade signed by another key than the installed version (or unsigned) is refused
   * (`publisher_key_changed`) unless `trust.allowKeyChange`. A folder without bundle files (a
   * developer's own) installs as unsigned. The publisher's fingerprint, or why the install is
   * unsigned, is recorded, audited in `app.install` and shown by {@link AppManager.get}.
   *
   * @example
   * const { trust } = apps.install('energy-insights-1.0.0.tgz', choices, 'cli');
   * if (trust.signed) console.log(trust.publisher.fingerprint);
   * apps.install('unsigned.tgz', choices, 'cli', { allowUnsigned: true }); // recorded as unsigned
   */
  install(source: string, asked: ConsentChoices, method = 'cli', trust: TrustOptions = {}): InstallResult {
    const app = loadAppSource(source, this.#options.installLimits ?? DEFAULT_INSTALL_LIMITS, {
      allowUnsigned: trust.allowUnsigned,
    });
    try {
      const incoming = installTrust(app.trust);
      const current = this.registry.findInstall(app.manifest.id);
      if (current)
        refuseKeyChange(
          current,
          this.publishers.get(current.id),
          incoming,
          app.manifest.version,
          trust.allowKeyChange,
        );
      const now = this.#store.now();
      // an upgrade keeps the grants and approvals whose request or export did not change
      const diff = permissionDiff(this.registry.findInstall(app.manifest.id)?.manifest, app.manifest);
      const choices = keptChoices(this.registry, app.manifest.id, diff, asked);
      const resolved = resolveConsent(this.#store, app.manifest, choices, now);
      const dir = join(this.#options.appsDir, app.manifest.id, app.manifest.version);
      // A fresh copy beside the old one, swapped in once complete: an upgrade under the same
      // version replaces the files wholly, and a refused copy leaves the installed app as it was.
      const staging = `${dir}.installing-${randomUUID()}`;
      mkdirSync(staging, { recursive: true, mode: 0o755 });
      let files: InstalledFile[];
      try {
        files = copyScannedTree(app.folder, app.tree, staging);
        if (app.trust !== 'folder') refuseCopiedChanges(source, app.trust, files);
      } catch (error) {
        rmSync(staging, { recursive: true, force: true });
        throw error;
      }
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
      try {
        return this.#store.transaction(() => {
          const before = this.registry.findInstall(app.manifest.id);
          const installed: InstalledApp = {
            id: app.manifest.id,
            version: app.manifest.version,
            name: app.manifest.name,
            manifest: app.manifest,
            dir,
            installedAt: before?.installedAt ?? now,
            updatedAt: now,
          };
          this.registry.putInstall(installed);
          this.digests.record(installed.id, files);
          this.publishers.record(installed.id, incoming);
          this.#store.audit.append({
            actor: 'user',
            action: 'app.install',
            subject: installed.id,
            details: {
              version: installed.version,
              previousVersion: before?.version ?? null,
              runtime: app.manifest.runtime.type,
              dir,
              files: files.length,
              filesDigest: treeDigest(files),
              publisher: incoming.signed
                ? { signed: true, fingerprint: incoming.publisher.fingerprint, key: incoming.publisher.key }
                : { signed: false, why: incoming.code },
            },
          });
          return {
            app: installed,
            ...this.#recordConsent(app.manifest, resolved, now, method),
            diff,
            trust: incoming,
          };
        });
      } catch (error) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    } finally {
      app.cleanup();
    }
  }

  /** Changes the grants of an installed app: consent again (new receipt; the old grants are superseded). */
  /**
   * Reinstalls the version the current one replaced (its folder is kept under `appsDir`), keeping
   * the grants and approvals that still hold by the same rule as an upgrade. Rolling back twice
   * returns to the newer version.
   */
  rollback(appId: string, method = 'cli'): InstallResult {
    const current = this.registry.getInstall(appId);
    const [last] = this.#store.audit.query({
      action: 'app.install',
      subject: appId,
      order: 'desc',
      limit: 1,
    });
    const previous = last?.details.previousVersion;
    const dir = typeof previous === 'string' ? join(this.#options.appsDir, appId, previous) : undefined;
    if (!dir || previous === current.version || !existsSync(dir))
      throw new BadRequestError(
        `app "${appId}" ${current.version} has no earlier version kept to roll back to`,
      );
    // the kept folder holds the bundle files of a signed version: it is verified again, and must
    // still be validly signed if it was; the householder already accepted its key once
    const kept = this.#store.audit
      .query({ action: 'app.install', subject: appId, order: 'desc', limit: 100 })
      .find((e) => e.details.version === previous);
    const keptSigned = (kept?.details.publisher as { signed?: boolean } | undefined)?.signed === true;
    return this.install(dir, { requests: {} }, method, { allowUnsigned: !keptSigned, allowKeyChange: true });
  }

  grant(appId: string, asked: ConsentChoices, method = 'cli'): InstallResult {
    return this.#store.transaction(() => {
      const app = this.registry.getInstall(appId);
      const now = this.#store.now();
      // a change of some grants keeps the others and the destination approvals
      const choices = keptChoices(this.registry, appId, permissionDiff(app.manifest, app.manifest), asked);
      const resolved = resolveConsent(this.#store, app.manifest, choices, now);
      return { app, ...this.#recordConsent(app.manifest, resolved, now, method) };
    });
  }

  #recordConsent(
    manifest: Manifest,
    resolved: ResolvedConsent,
    now: number,
    method: string,
  ): { consent: Consent; grants: Grant[] } {
    const previous = this.registry.currentConsent(manifest.id);
    const receiptId = randomUUID();
    const consent: Consent = {
      receiptId,
      appId: manifest.id,
      appVersion: manifest.version,
      createdAt: now,
      expiresAt: resolved.expiresAt,
      destinations: resolved.destinations,
      timeZone: resolved.timeZone,
      receipt: buildConsentReceipt({
        receiptId,
        manifest,
        consent: resolved,
        now,
        method,
        supersedes: previous?.receiptId,
        context: {
          timeZone: readTimeSettings(this.#store).timeZone,
          datasource: (id) => this.#store.catalogue.find(id),
        },
      }),
      supersededAt: null,
    };
    this.registry.insertConsent(
      consent,
      resolved.grants.map((g) => ({
        receiptId,
        appId: manifest.id,
        request: g.request.name,
        datasource: g.datasource,
        kind: g.kind,
        resolution: g.resolution,
        history: g.history,
        historyMs: g.historyMs,
        aggregates: g.request.aggregates,
        grantedAt: now,
        expiresAt: resolved.expiresAt,
        revokedAt: null,
        supersededAt: null,
      })),
    );
    this.#options.tokens?.revokeApp(manifest.id);
    this.#store.audit.append({
      actor: 'user',
      action: 'app.grant',
      subject: manifest.id,
      details: {
        receipt: receiptId,
        supersedes: previous?.receiptId ?? null,
        grants: resolved.grants.map((g) => ({
          request: g.request.name,
          datasource: g.datasource,
          resolution: g.resolution,
          history: g.history,
        })),
        declined: resolved.declined,
        destinations: resolved.destinations,
        // only when the app asks: whether it may know the box's zone (never the zone itself)
        ...(manifest.timeZone ? { timeZone: resolved.timeZone } : {}),
        expires: new Date(resolved.expiresAt).toISOString(),
        // binds the stored receipt and grants to the chain: an edit in the database is detected
        consentDigest: consentDigest(this.#store.db, receiptId),
      },
    });
    return { consent, grants: this.registry.currentGrants(manifest.id) };
  }

  /** Revokes the app's grants (all, or one request's); returns the requests revoked. */
  revoke(appId: string, request?: string): string[] {
    return this.#store.transaction(() => {
      const app = this.registry.getInstall(appId);
      if (request !== undefined && !app.manifest.requests.some((r) => r.name === request))
        throw new NotFoundError(`app "${appId}" has no request "${request}"`);
      const receipt = this.registry.currentConsent(appId)?.receiptId ?? null;
      const revoked = this.registry.revokeGrants(appId, this.#store.now(), request);
      this.#options.tokens?.revokeApp(appId);
      this.#store.audit.append({
        actor: 'user',
        action: 'app.revoke',
        subject: appId,
        details: { receipt, requests: revoked, scope: request ?? 'all' },
      });
      return revoked;
    });
  }

  /** Uninstalls: grants revoked, consent ended, kv `app:<id>` wiped, tokens revoked, files removed. */
  uninstall(appId: string): { kvKeys: number } {
    const app = this.registry.getInstall(appId);
    const result = this.#store.transaction(() => {
      const receipt = this.registry.currentConsent(appId)?.receiptId ?? null;
      this.registry.endConsent(appId, this.#store.now());
      const kvKeys = this.#store.kv.wipe(`app:${appId}`);
      this.#store.kv.wipe(settingsNamespace(appId));
      this.registry.deleteInstall(appId);
      this.digests.remove(appId);
      this.publishers.remove(appId);
      this.#store.audit.append({
        actor: 'user',
        action: 'app.uninstall',
        subject: appId,
        details: { version: app.version, receipt, kvKeysWiped: kvKeys },
      });
      return { kvKeys };
    });
    this.#options.tokens?.revokeApp(appId);
    const appRoot = join(this.#options.appsDir, appId);
    if (existsSync(appRoot)) rmSync(appRoot, { recursive: true, force: true });
    return result;
  }

  list(): InstalledApp[] {
    return this.registry.listInstalls();
  }

  /** The installed app with its files' digests. */
  get(appId: string): InstalledAppInfo {
    const app = this.registry.getInstall(appId);
    const files = this.digests.list(appId);
    return {
      ...app,
      filesDigest: files.length ? treeDigest(files) : null,
      files,
      publisher: this.publishers.get(appId) ?? null,
    };
  }

  grants(appId: string): Grant[] {
    this.registry.getInstall(appId);
    return this.registry.currentGrants(appId);
  }

  /** The current consent receipt, or one by id. Consent history survives uninstall. */
  receipt(appId: string, receiptId?: string): Consent {
    if (receiptId) {
      const consent = this.registry.getConsent(receiptId);
      if (consent.appId !== appId)
        throw new NotFoundError(`receipt "${receiptId}" is not one of app "${appId}"`);
      return consent;
    }
    const current = this.registry.currentConsent(appId) ?? this.registry.listConsents(appId)[0];
    if (!current) throw new NotFoundError(`app "${appId}" has no consent receipt`);
    return current;
  }
}
