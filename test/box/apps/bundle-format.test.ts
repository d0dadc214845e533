import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyFingerprint, keyName } from '../../../box/apps/bundle/bundle-format.ts';
import { verifyBundle } from '../../../box/apps/bundle/verify-bundle.ts';
import { noteKeyId, verifyEd25519 } from '../../../box/audit/box-key.ts';
import { REPO_ROOT } from '../../helpers/box-process.ts';

/** The example in docs/app-developers.md ("Shipping") is a real bundle manifest and signature. */
function docsExample(): { manifest: Buffer; signature: Buffer } {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'app-developers.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Shipping: app pack and signing'));
  const block = (start: number) => {
    const open = section.indexOf('\n', start) + 1;
    const body = section.slice(open, section.indexOf('  ```\n', open));
    return body.replace(/^ {2}/gm, '');
  };
  return {
    manifest: Buffer.from(block(section.indexOf('  ```json'))),
    signature: Buffer.from(block(section.indexOf('  ```\n  \u2014'))),
  };
}

describe('the bundle format as documented', () => {
  it("the docs' example signature verifies over the example manifest, with the key and names it states", () => {
    const { manifest, signature } = docsExample();
    const json = JSON.parse(manifest.toString());
    const key = Buffer.from(json.publisher.key, 'base64');
    expect(keyName(key)).toBe(json.publisher.name);
    const [dash, name, sig] = signature.toString().trim().split(' ');
    expect([dash, name]).toEqual(['\u2014', json.publisher.name]);
    const bytes = Buffer.from(sig, 'base64');
    expect(bytes.subarray(0, 4)).toEqual(noteKeyId(name, key));
    expect(verifyEd25519(key, manifest, bytes.subarray(4))).toBe(true);
    expect(keyFingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('verifyBundle of the example without its files names each missing file; an edited byte breaks the signature', () => {
    const { manifest, signature } = docsExample();
    const missing = verifyBundle({ manifest, signature, files: [], dirs: [] });
    expect(missing.signed).toBe(false);
    if (missing.signed) return;
    expect(missing.code).toBe('bundle_altered');
    expect(missing.details.map((d) => d.path)).toEqual([
      'databox-app.json',
      'dist/app.js',
      'dist/app.js.map',
    ]);
    const edited = Buffer.from(manifest.toString().replace('"bytes": 954', '"bytes": 955'));
    const forged = verifyBundle({ manifest: edited, signature, files: [], dirs: [] });
    expect(forged).toMatchObject({ signed: false, code: 'bundle_signature_invalid' });
  });
});
