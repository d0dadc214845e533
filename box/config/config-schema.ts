import { z } from 'zod';
import { gatewayOptionsSchema } from '../../export-gateway/options.ts';
import { quotaLimitsSchema } from '../apps/app-quotas.ts';

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/**
 * `config.json` in the data folder. Every field has a default, so an empty object is a valid
 * config; unknown fields are errors (a typo must not be silently ignored).
 */
export const configSchema = z.strictObject({
  /**
   * The box's IANA time zone (e.g. `Europe/Amsterdam`): local days, weeks, months and every date
   * shown. Default: the system's. The dashboard's or `databox time set`'s setting wins over it.
   */
  timeZone: z
    .string()
    .refine((zone) => isTimeZone(zone), 'an IANA time zone such as Europe/Amsterdam, Asia/Kolkata or UTC')
    .optional(),
  /** BCP 47 locale for dates and numbers (e.g. `nl-NL`, `en-GB`). Default: the system's. */
  locale: z
    .string()
    .refine((tag) => isLocale(tag), 'a locale tag such as en-GB, nl-NL or hi-IN')
    .optional(),
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(7330),
      /** Largest request body accepted, in bytes. */
      bodyLimitBytes: z
        .number()
        .int()
        .min(1024)
        .max(256 * 1024 * 1024)
        .default(16 * 1024 * 1024),
      /**
       * Further names the box answers to besides localhost, its addresses and host name (e.g. a
       * LAN DNS name); any other Host header is refused (DNS rebinding). See docs/dashboard.md.
       */
      allowedHosts: z
        .array(
          z
            .string()
            .regex(
              /^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^[0-9a-f:.]+$|^\[[0-9a-f:.]+\]$/i,
              'a host name or IP address, without scheme or port (e.g. "databox.lan")',
            ),
        )
        .max(100)
        .default([]),
      /**
       * HTTPS for the home network (docs/operations.md): a second listener with a self-signed
       * certificate made at first run (or `certFile`/`keyFile`); the plain one stays on `host`.
       */
      tls: z
        .strictObject({
          enabled: z.boolean().default(false),
          host: z.string().min(1).default('0.0.0.0'),
          port: z.number().int().min(0).max(65535).default(7443),
          certFile: z.string().min(1).optional(),
          keyFile: z.string().min(1).optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  store: z
    .strictObject({
      /** `NORMAL` survives a crash of the box; `FULL` also survives a power cut, at some write speed. */
      synchronous: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
      /** Status, the log and the dashboard warn when the data folder's disk has less free space (MB). */
      lowDiskMB: z.number().int().min(1).max(1_000_000).default(256),
      /**
       * Compressed blocks for old raw readings (docs/store.md, *Compressed blocks*): the
       * retention job packs each closed UTC day once its readings are `minAgeHours` old.
       */
      compaction: z
        .strictObject({
          enabled: z.boolean().default(true),
          minAgeHours: z.number().int().min(24).max(87_600).default(24),
        })
        .prefault({}),
    })
    .prefault({}),
  retention: z
    .strictObject({
      /** How often the retention job runs. */
      intervalMinutes: z.number().min(1).max(10_080).default(60),
    })
    .prefault({}),
  apps: z
    .strictObject({
      /** Every app's quotas unless the householder set its own (`databox app quota`); docs/app-developers.md. */
      quotas: quotaLimitsSchema.prefault({}),
    })
    .prefault({}),
  /** Scheduled encrypted backups (docs/operations.md); off until `dir` and a key are set. */
  backup: z
    .strictObject({
      /** Folder to write backups to (a USB disk, a NAS mount). */
      dir: z.string().min(1).optional(),
      /** age public keys (`age1…`) that can open the backups. */
      recipients: z
        .array(z.string().regex(/^age1[0-9a-z]+$/, 'an age public key (age1…)'))
        .max(20)
        .default([]),
      recipientsFile: z.string().min(1).optional(),
      /** A file whose first line is the passphrase (when no recipients are given). */
      passphraseFile: z.string().min(1).optional(),
      /** Hours between scheduled backups; 0 turns the schedule off. */
      intervalHours: z.number().min(0).max(8760).default(24),
      /** How many backups to keep in `dir` (older ones are deleted after each backup). */
      keep: z.number().int().min(1).max(1000).default(7),
    })
    .prefault({}),
  /** The export gateway (see docs/exports.md); one schema, shared with the gateway process. */
  gateway: gatewayOptionsSchema.prefault({}),
});

export type BoxConfig = z.infer<typeof configSchema>;
export type GatewayConfig = BoxConfig['gateway'];
