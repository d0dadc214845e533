import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DamagedFileError } from './damaged-file.ts';

/** The certificate and key the box serves HTTPS with, and what a person compares. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 of the certificate (`AB:CD:…`), as browsers and `openssl x509 -fingerprint -sha256` show it. */
  fingerprint: string;
  certFile: string;
  created: boolean;
}

/** Where the self-signed certificate lives: `<home>/tls/cert.pem`, `<home>/tls/key.pem` (0600). */
export function tlsPaths(home: string): { dir: string; cert: string; key: string } {
  const dir = join(home, 'tls');
  return { dir, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}

/**
 * The householder's own certificate (`http.tls.certFile`/`keyFile`), else a self-signed one made
 * on first use with the `openssl` binary (node:crypto cannot make X.509 certificates; the binary
 * is on every Linux the box targets, so no extra dependency): P-256, ten years, names localhost,
 * the host name and 127.0.0.1. Self-signed means the browser warns once: compare the fingerprint
 * it shows with the one `databox status` and the dashboard show.
 *
 * @example
 * const tls = ensureTlsCert('/srv/databox', {});
 * console.log(tls.fingerprint);
 */
export function ensureTlsCert(home: string, own: { certFile?: string; keyFile?: string }): TlsMaterial {
  const paths = tlsPaths(home);
  const certFile = own.certFile ?? paths.cert;
  const keyFile = own.keyFile ?? paths.key;
  let created = false;
  if (!own.certFile && !existsSync(paths.cert)) {
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    const name = hostname().replace(/[^A-Za-z0-9.-]/g, '') || 'databox';
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '3650',
        '-keyout',
        paths.key,
        '-out',
        paths.cert,
        '-subj',
        `/CN=databox ${name}`,
        '-addext',
        `subjectAltName=DNS:localhost,DNS:${name},IP:127.0.0.1,IP:::1`,
      ],
      { encoding: 'utf8' },
    );
    if (made.error || made.status !== 0)
      throw new Error(
        `could not make a self-signed certificate with openssl (${made.error?.message ?? made.stderr.trim()}); install openssl, or set http.tls.certFile and keyFile in config.json`,
      );
    created = true;
  }
  if (!own.certFile) for (const f of [paths.cert, paths.key]) chmodSync(f, 0o600);
  const cert = readFileSync(certFile, 'utf8');
  let fingerprint: string;
  try {
    fingerprint = new X509Certificate(cert).fingerprint256;
  } catch (error) {
    throw new DamagedFileError(
      certFile,
      `not a PEM certificate (${(error as Error).message})`,
      'Replace it, or delete both tls files to have a new one made',
    );
  }
  return { cert, key: readFileSync(keyFile, 'utf8'), fingerprint, certFile, created };
}
