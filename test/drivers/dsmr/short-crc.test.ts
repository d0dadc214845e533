import { describe, expect, it } from 'vitest';
import { crc16 } from '../../../drivers/dsmr/crc16.ts';
import { parseTelegram } from '../../../drivers/dsmr/telegram-parser.ts';

/**
 * A heat meter's telegram ends `!B9F`: its CRC is 0x0B9F written without the leading zero. The
 * CRC must be compared as a number, while real mismatches are still rejected.
 */
function telegramWithSmallCrc(): { body: string; crc: number } {
  for (let i = 0; i < 100_000; i++) {
    const body = `/ISK5\\2MT382-1000\r\n\r\n1-3:0.2.8(50)\r\n0-0:1.0.0(230101120000W)\r\n1-0:1.8.1(${String(i).padStart(6, '0')}.123*kWh)\r\n!`;
    const crc = crc16(body);
    if (crc < 0x1000 && crc >= 0x100) return { body, crc };
  }
  throw new Error('no body with a three-digit CRC found');
}

describe('DSMR CRC written with fewer than four hex digits', () => {
  it('accepts the CRC without its leading zero, as the meter wrote it', () => {
    const { body, crc } = telegramWithSmallCrc();
    const short = crc.toString(16).toUpperCase();
    expect(short).toHaveLength(3);
    const tg = parseTelegram(`${body}${short}\r\n`);
    expect(tg.crc.valid).toBe(true);
    expect(tg.crc.computed).toBe(short.padStart(4, '0'));
  });

  it('still rejects a short CRC that does not match, and one that is not hex', () => {
    const { body, crc } = telegramWithSmallCrc();
    const wrong = ((crc + 1) & 0xfff).toString(16).toUpperCase();
    expect(() => parseTelegram(`${body}${wrong}\r\n`)).toThrow(/CRC/);
    expect(() => parseTelegram(`${body}0XZZ\r\n`)).toThrow(/CRC/);
    expect(parseTelegram(`${body}${wrong}\r\n`, { requireCrc: false }).crc.valid).toBe(false);
  });
});
