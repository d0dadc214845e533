/**
 * DSMR P1 parsing benchmark (issue 3): telegrams per second through the driver's pipeline
 * (frame + parse + CRC + map to readings) against baselines measured in the same run: splitting a
 * telegram into lines, and computing its CRC16 alone. A meter sends one telegram a second (DSMR 5)
 * or every ten (DSMR 4), so the headroom per meter is the rate itself.
 *
 * Run: `node --import tsx bench/dsmr-parse.ts` (needs the shared fixtures beside the checkout).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc16 } from '../drivers/dsmr/crc16.ts';
import { mapTelegram } from '../drivers/dsmr/obis-map.ts';
import { parseTelegram } from '../drivers/dsmr/telegram-parser.ts';
import { TelegramSplitter } from '../drivers/dsmr/telegram-splitter.ts';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/fixtures/dsmr');
const FILES = [
  'nl_dsmr22_iskra_MT382_no_crc.txt',
  'nl_dsmr42_kaifa_crc_valid.txt',
  'nl_dsmr50_iskra_crc_valid.txt',
  'be_emucs_fluvius_v171_crc_valid.txt',
];
if (!existsSync(FIXTURES)) {
  console.error(`dsmr-parse bench: shared fixtures not found at ${FIXTURES}`);
  process.exit(1);
}
const telegrams = FILES.map((f) => readFileSync(join(FIXTURES, f), 'latin1'));
const stream = Buffer.from(telegrams.join(''), 'latin1');
const RECEIVED_AT = Date.UTC(2024, 0, 1);
const RUN_MS = Number(process.env.BENCH_MS ?? 1500);

let sink = 0; // keeps results alive so the JIT cannot drop the work

/** Runs `once` (which handles `per` telegrams) repeatedly for RUN_MS after a warm-up; telegrams/s. */
function rate(per: number, once: () => void): number {
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) once();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < RUN_MS) {
    for (let i = 0; i < 50; i++) once();
    n += 50;
    elapsed = performance.now() - start;
  }
  return (n * per) / (elapsed / 1000);
}

const rows: Array<{ name: string; perS: number }> = [];
const measure = (name: string, per: number, once: () => void) => rows.push({ name, perS: rate(per, once) });

measure('baseline: split into lines', telegrams.length, () => {
  for (const t of telegrams) sink += t.split('\r\n').length;
});
measure('baseline: CRC16 of / … !', telegrams.length, () => {
  for (const t of telegrams) sink += crc16(t.slice(0, t.indexOf('!') + 1));
});
measure('frame (TelegramSplitter, 1 KiB chunks)', telegrams.length, () => {
  const splitter = new TelegramSplitter();
  for (let at = 0; at < stream.length; at += 1024)
    sink += splitter.push(stream.subarray(at, at + 1024)).length;
});
measure('parse + CRC (parseTelegram)', telegrams.length, () => {
  for (const t of telegrams) sink += parseTelegram(t).lines.length;
});
measure('parse + CRC + map (parseTelegram → mapTelegram)', telegrams.length, () => {
  for (const t of telegrams)
    sink += mapTelegram(parseTelegram(t), { receivedAt: RECEIVED_AT }).readings.length;
});
measure('driver pipeline: frame + parse + CRC + map', telegrams.length, () => {
  const splitter = new TelegramSplitter();
  for (let at = 0; at < stream.length; at += 1024) {
    for (const t of splitter.push(stream.subarray(at, at + 1024))) {
      sink += mapTelegram(parseTelegram(t), { receivedAt: RECEIVED_AT }).readings.length;
    }
  }
});

const crcBaseline = rows[1].perS;
const fmt = (n: number) => Math.round(n).toLocaleString('en');
console.log(
  `\n## DSMR parsing (${telegrams.length} real telegrams, ${stream.length} bytes, Node ${process.version})\n`,
);
console.log('| measurement | telegrams/s | µs/telegram | vs CRC-only baseline |');
console.log('|---|---|---|---|');
for (const row of rows) {
  const ratio = (row.perS / crcBaseline).toFixed(2);
  console.log(`| ${row.name} | ${fmt(row.perS)} | ${(1e6 / row.perS).toFixed(2)} | ${ratio}× |`);
}
if (sink === 42) console.log(''); // use the sink
