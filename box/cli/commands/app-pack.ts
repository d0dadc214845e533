import { relative } from 'node:path';
import type { InstallTrust } from '../../apps/bundle/install-trust.ts';
import { stringOption } from '../command.ts';

/**
 * `databox app pack [DIR] [--key FILE] [--out FILE]` (a signed bundle of exactly the files the app
 * needs, built first if stale) and `databox app key [--key FILE]` (the developer's public key and
 * fingerprint, the key made on first use). Loaded only when used.
 *
 * @example
 * await runAppPackCommand('pack', 'examples/energy-insights', { out: 'energy.tgz' }); // 0
 */
export async function runAppPackCommand(
  sub: 'pack' | 'key',
  arg: string | undefined,
  values: Record<string, unknown>,
): Promise<number> {
  const keyFile = stringOption(values, 'key');
  if (sub === 'key') {
    const { defaultDeveloperKeyPath, loadOrCreateDeveloperKey } = await import(
      '../../apps/bundle/developer-key.ts'
    );
    const key = loadOrCreateDeveloperKey(keyFile ?? defaultDeveloperKeyPath());
    if (values.json)
      console.log(
        JSON.stringify({ name: key.name, key: key.key, fingerprint: key.fingerprint, file: key.file }),
      );
    else {
      if (key.created) console.log(`made a new signing key: ${key.file} (private, mode 0600; back it up)`);
      console.log(`fingerprint ${key.fingerprint}`);
      console.log(`public key  ${key.key}`);
      console.log(`key name    ${key.name}`);
      console.log(`private key ${key.file}`);
    }
    return 0;
  }
  const { packApp } = await import('../../apps/bundle/pack-app.ts');
  const packed = await packApp(arg ?? '.', { keyFile, out: stringOption(values, 'out') });
  if (values.json) {
    console.log(
      JSON.stringify({
        out: packed.out,
        bytes: packed.bytes,
        publisher: packed.publisher,
        files: packed.files,
      }),
    );
    return 0;
  }
  if (packed.built)
    console.log(
      `built ${packed.built.bundle} (${packed.built.reason === 'missing' ? 'it was missing' : 'it was older than its source'})`,
    );
  if (packed.keyCreated)
    console.log(`made a new signing key: ${packed.keyFile} (private, mode 0600; back it up)`);
  for (const f of packed.files) console.log(`  ${String(f.bytes).padStart(9)}  ${f.path}`);
  console.log(
    `wrote ${shown(packed.out)} (${packed.bytes} bytes, ${packed.files.length} files), signed by ${packed.publisher.fingerprint}`,
  );
  return 0;
}

/** A path relative to the current folder when it is inside it, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/** The line `app install` prints about who vouches for what it installed. */
export function trustLine(trust: InstallTrust | undefined): string | undefined {
  if (!trust) return undefined;
  return trust.signed
    ? `publisher key ${trust.publisher.fingerprint} (signature and every file's digest verified)`
    : `UNSIGNED: ${trust.reason}`;
}
