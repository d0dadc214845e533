import { beforeAll, describe, expect, it } from 'vitest';
import { parseTelegram } from '../../../drivers/dsmr/telegram-parser.ts';
import { TelegramSplitter } from '../../../drivers/dsmr/telegram-splitter.ts';
import { describeWithSharedFixtures, readSharedFixture } from '../../helpers/shared-fixtures.ts';

/** mulberry32: a tiny seeded PRNG so the random chunking is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function feed(splitter: TelegramSplitter, stream: Buffer, sizes: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < stream.length; ) {
    const n = Math.max(1, sizes());
    out.push(...splitter.push(stream.subarray(i, i + n)));
    i += n;
  }
  return out;
}

describeWithSharedFixtures('TelegramSplitter on the shared telegrams', () => {
  const noise = Buffer.from('\x00\xff garbage!! 1-0:1.8.1(000001.000*kWh)\r\n!1234\r\n', 'latin1');
  // read in beforeAll: a describe body runs even when the block is skipped (no ../shared)
  let files: Buffer[] = [];
  let stream = Buffer.alloc(0);
  let expected: string[] = [];
  beforeAll(() => {
    files = [
      'nl_dsmr50_iskra_crc_valid.txt',
      'nl_dsmr22_iskra_MT382_no_crc.txt',
      'be_emucs_fluvius_v171_crc_valid.txt',
      'nl_dsmr42_kaifa_crc_valid.txt',
    ].map((f) => readSharedFixture(`dsmr/${f}`));
    stream = Buffer.concat([noise, files[0], files[1], noise, files[2], files[3], files[0]]);
    expected = [files[0], files[1], files[2], files[3], files[0]].map((b) => b.toString('latin1'));
  });

  it('frames whole telegrams fed in one chunk, dropping the noise around them', () => {
    const splitter = new TelegramSplitter();
    expect(splitter.push(stream)).toEqual(expected);
    expect(splitter.discardedBytes).toBe(2 * noise.length);
    expect(splitter.bufferedBytes).toBe(0);
  });

  it('frames the same telegrams fed byte by byte', () => {
    const splitter = new TelegramSplitter();
    expect(feed(splitter, stream, () => 1)).toEqual(expected);
  });

  it.each([1, 42, 20240601])(
    'frames them in random chunk sizes (seed %i), and each passes its CRC',
    (seed) => {
      const random = prng(seed);
      const telegrams = feed(new TelegramSplitter(), stream, () => Math.floor(random() * 300));
      expect(telegrams).toEqual(expected);
      for (const text of telegrams) expect(() => parseTelegram(text)).not.toThrow();
    },
  );

  it('restarts at a new header when a telegram was cut short', () => {
    const cut = files[2].subarray(0, 300);
    const splitter = new TelegramSplitter();
    expect(splitter.push(Buffer.concat([cut, files[0]]))).toEqual([expected[0]]);
    expect(splitter.discardedBytes).toBe(300);
  });

  it('starts cleanly mid-telegram, as when the port is opened during a transmission', () => {
    const splitter = new TelegramSplitter();
    expect(splitter.push(Buffer.concat([files[0].subarray(500), files[3]]))).toEqual([expected[3]]);
  });
});

describe('TelegramSplitter bounds', () => {
  it('never holds more than maxTelegramBytes of an endless stream without "!"', () => {
    const splitter = new TelegramSplitter({ maxTelegramBytes: 1024 });
    const random = prng(7);
    let maxBuffered = 0;
    for (let round = 0; round < 2000; round++) {
      const chunk = Buffer.alloc(97);
      for (let i = 0; i < chunk.length; i++) {
        const r = Math.floor(random() * 256);
        chunk[i] = r === 0x21 ? 0x20 : r; // never a "!" so nothing can complete
      }
      expect(splitter.push(chunk)).toEqual([]);
      maxBuffered = Math.max(maxBuffered, splitter.bufferedBytes);
    }
    expect(maxBuffered).toBeLessThanOrEqual(1024);
    expect(splitter.discardedBytes + splitter.bufferedBytes).toBe(2000 * 97);
  });

  it('drops an oversized telegram and frames the next one', () => {
    const splitter = new TelegramSplitter({ maxTelegramBytes: 64 });
    const big = `/BIG5 meter\r\n\r\n${'0-0:96.13.0(41)\r\n'.repeat(10)}!0000\r\n`;
    const small = '/ABC5 m\r\n\r\n!\r\n';
    expect(splitter.push(big + small)).toEqual([small]);
  });

  it('ends a telegram whose CRC line has no line feed when the next one starts', () => {
    const splitter = new TelegramSplitter();
    expect(splitter.push('/A\r\n\r\n!1234/B\r\n\r\n!5678\r\n')).toEqual([
      '/A\r\n\r\n!1234',
      '/B\r\n\r\n!5678\r\n',
    ]);
  });

  it('reset forgets a partial telegram', () => {
    const splitter = new TelegramSplitter();
    splitter.push('/A\r\n\r\n1-0:1.8.1(1');
    splitter.reset();
    expect(splitter.bufferedBytes).toBe(0);
    expect(splitter.push('*kWh)\r\n!1234\r\n')).toEqual([]);
  });
});
