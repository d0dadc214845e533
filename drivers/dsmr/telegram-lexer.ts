import { crc16, formatCrc16 } from './crc16.ts';
import type { ObisLine, TelegramCrc } from './telegram.ts';
import { TelegramFormatError } from './telegram-errors.ts';

/** A telegram cut into its header, object lines and CRC, before any value is interpreted. */
export interface LexedTelegram {
  header: string;
  lines: ObisLine[];
  crc: TelegramCrc;
  warnings: string[];
}

const OBIS_LINE = /^(\d+-\d+:\d+\.\d+\.\d+)((?:\([^()]*\))*)\s*$/;
const VALUE = /\(([^()]*)\)/g;

function values(text: string): string[] {
  return Array.from(text.matchAll(VALUE), (m) => m[1]);
}

/**
 * Cuts a P1 telegram into header, object lines and CRC. Anything before the first `/` is ignored.
 * The CRC is computed over the bytes `/` … `!` (latin1, one byte per character, so a `Buffer`
 * read from the port and its latin1 string give the same CRC). Lines starting with `(` continue
 * the previous object (DSMR 2.2 gas). Unreadable lines become warnings, not errors.
 *
 * @example
 * ```ts
 * const { header, lines, crc } = lexTelegram(text);
 * lines.find((l) => l.obis === '1-0:1.8.1')?.values; // ['000004.426*kWh']
 * crc; // { given: '6EEE', computed: '6EEE', valid: true }
 * ```
 */
export function lexTelegram(input: string | Buffer): LexedTelegram {
  const raw = typeof input === 'string' ? input : input.toString('latin1');
  const start = raw.indexOf('/');
  if (start < 0) throw new TelegramFormatError("P1 telegram has no header: no '/' found");
  const bang = raw.indexOf('!', start);
  if (bang < 0) throw new TelegramFormatError("P1 telegram is not closed: no '!' after the header");
  const body = raw.slice(start, bang + 1);
  const crcText = raw
    .slice(bang + 1)
    .split(/\r?\n/, 1)[0]
    .trim();
  const computedValue = crc16(body);
  const computed = formatCrc16(computedValue);
  const given = crcText === '' ? null : crcText.toUpperCase();
  // Compared as numbers: some meters drop leading zeros (a heat meter sends `!B9F` for 0x0B9F).
  const valid =
    given === null ? null : /^[0-9A-F]{1,4}$/.test(given) && Number.parseInt(given, 16) === computedValue;
  const crc: TelegramCrc = { given, computed, valid };

  const textLines = body.slice(0, -1).split(/\r?\n/);
  const header = textLines[0].slice(1).trim();
  const lines: ObisLine[] = [];
  const warnings: string[] = [];
  for (let i = 1; i < textLines.length; i++) {
    const text = textLines[i].trim();
    if (text === '') continue;
    if (text.startsWith('(') && /^(?:\([^()]*\))+$/.test(text) && lines.length > 0) {
      lines[lines.length - 1].values.push(...values(text));
      continue;
    }
    const m = OBIS_LINE.exec(text);
    if (m) lines.push({ obis: m[1], values: values(m[2]), line: i + 1 });
    else warnings.push(`line ${i + 1}: not a COSEM object line: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { header, lines, crc, warnings };
}
