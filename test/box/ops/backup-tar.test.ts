import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTar, tarStream } from '../../../box/ops/backup-tar.ts';
import { useTempDir } from '../../helpers/temp-dir.ts';

const tempDir = useTempDir();

async function collect(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

describe('backup tar', () => {
  const sizes = [0, 1, 511, 512, 513, (1 << 20) + 3];
  const longName = `apps/${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(40)}.js`;

  function files(dir: string) {
    return [...sizes.map((size) => ({ name: `f-${size}`, size })), { name: longName, size: 700 }].map(
      ({ name, size }) => {
        const path = join(dir, 'src', name);
        mkdirSync(dirname(path), { recursive: true });
        const data = randomBytes(size);
        writeFileSync(path, data);
        return { name, path, size, data };
      },
    );
  }

  it('round-trips files of every awkward size and a path longer than 100 bytes, in chunks of any size', async () => {
    const dir = tempDir();
    const input = files(dir);
    const tar = await collect(tarStream(input));
    expect(tar.length % 512).toBe(0);
    // feed it back in odd-sized pieces, as a decrypting stream would
    async function* pieces() {
      for (let at = 0; at < tar.length; at += 7777) yield tar.subarray(at, at + 7777);
    }
    const got = new Map<string, Buffer[]>();
    let current = '';
    await readTar(
      pieces(),
      ({ name }) => {
        current = name;
        got.set(name, []);
      },
      (chunk) => void got.get(current)?.push(Buffer.from(chunk)),
    );
    expect([...got.keys()]).toEqual(input.map((f) => f.name));
    for (const f of input) expect(Buffer.concat(got.get(f.name) ?? []).equals(f.data), f.name).toBe(true);
  });

  it('is an ordinary tar: the tar binary lists and extracts it', async () => {
    const dir = tempDir();
    const input = files(dir);
    writeFileSync(join(dir, 'out.tar'), await collect(tarStream(input)));
    const listed = spawnSync('tar', ['-tf', join(dir, 'out.tar')], { encoding: 'utf8' });
    expect(listed.stdout.trim().split('\n')).toEqual(input.map((f) => f.name));
    mkdirSync(join(dir, 'x'));
    expect(spawnSync('tar', ['-xf', join(dir, 'out.tar'), '-C', join(dir, 'x')]).status).toBe(0);
    expect(readFileSync(join(dir, 'x', longName)).equals(input.at(-1)?.data as Buffer)).toBe(true);
  });

  it('refuses a truncated archive', async () => {
    const dir = tempDir();
    const tar = await collect(tarStream(files(dir)));
    async function* half() {
      yield tar.subarray(0, Math.floor(tar.length / 2));
    }
    await expect(
      readTar(
        half(),
        () => {},
        () => {},
      ),
    ).rejects.toThrow(/ends early/);
  });
});
