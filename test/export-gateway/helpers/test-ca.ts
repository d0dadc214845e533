import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway CA and server certificates signed by it, made with the `openssl` CLI. */
export interface TestCa {
  caCert: string;
  /** Certificate and key for a server whose SANs are `DNS:<name>` (and `IP:127.0.0.1` for localhost). */
  server(name: string): { cert: string; key: string };
  dispose(): void;
}

/** Makes a test CA in a temp folder (EC P-256 keys: fast to make). */
export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'databox-gateway-ca-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  ssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-sha256',
    '-days',
    '2',
    '-subj',
    '/CN=Databox test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    'ca.pem',
  );
  let serial = 1;
  return {
    caCert: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    server(name) {
      const base = `server-${serial}`;
      const san = name === 'localhost' ? 'DNS:localhost,IP:127.0.0.1' : `DNS:${name}`;
      writeFileSync(join(dir, `${base}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
      ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${base}.key`);
      ssl('req', '-new', '-key', `${base}.key`, '-subj', `/CN=${name}`, '-out', `${base}.csr`);
      ssl(
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        String(serial++),
        '-days',
        '2',
        '-sha256',
        '-extfile',
        `${base}.ext`,
        '-out',
        `${base}.pem`,
      );
      return {
        cert: readFileSync(join(dir, `${base}.pem`), 'utf8'),
        key: readFileSync(join(dir, `${base}.key`), 'utf8'),
      };
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
