import { BadRequestError } from '../../box/errors.ts';

/**
 * The CRC after `!` does not match the bytes of the telegram, or a DSMR 4+ telegram has none.
 * `computed` is what the bytes give, `given` what the meter sent (`null` when missing).
 *
 * @example
 * ```ts
 * try {
 *   parseTelegram(text);
 * } catch (error) {
 *   if (error instanceof TelegramCrcError) log.warn(`dropped telegram: ${error.message}`);
 * }
 * ```
 */
export class TelegramCrcError extends BadRequestError {
  readonly computed: string;
  readonly given: string | null;

  constructor(computed: string, given: string | null, version: string | null) {
    super(
      given === null
        ? `P1 telegram (version ${version ?? 'unknown'}) has no CRC after '!'; computed CRC is ${computed}`
        : `P1 telegram CRC mismatch: computed ${computed}, telegram says ${given}`,
      {
        code: 'dsmr_crc_mismatch',
        details: [{ path: 'crc', message: `computed ${computed}, given ${given ?? 'none'}` }],
      },
    );
    this.computed = computed;
    this.given = given;
  }
}

/**
 * The text is not a P1 telegram at all: no `/` header, no closing `!`.
 *
 * @example
 * ```ts
 * expect(() => parseTelegram('hello')).toThrow(TelegramFormatError);
 * ```
 */
export class TelegramFormatError extends BadRequestError {
  constructor(message: string) {
    super(message, { code: 'dsmr_bad_telegram' });
  }
}
