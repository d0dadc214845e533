/**
 * CRC16/ARC as used by DSMR 4.x/5.x and e-MUCS P1 telegrams: polynomial 0x8005 processed
 * bit-reflected (0xA001), initial value 0, no final XOR. The CRC covers every byte from the
 * leading `/` through the closing `!` inclusive and is sent as 4 upper-case hex digits after `!`.
 */

const TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/**
 * Computes CRC16/ARC over `data`. A string is taken as latin1 (one byte per character), which is
 * how P1 telegrams (pure ASCII) travel on the wire.
 *
 * @example
 * ```ts
 * crc16('123456789'); // 0xbb3d, the CRC16/ARC check value
 * formatCrc16(crc16(telegramFromSlashThroughBang)); // e.g. '6EEE'
 * ```
 */
export function crc16(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]) & 0xff];
  return crc;
}

/**
 * Formats a CRC the way a P1 telegram carries it: 4 upper-case hex digits.
 *
 * @example
 * ```ts
 * formatCrc16(0x6eee); // '6EEE'
 * formatCrc16(0x0a); // '000A'
 * ```
 */
export function formatCrc16(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, '0');
}
