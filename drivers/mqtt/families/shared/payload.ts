/**
 * Payload helpers shared by the families: strict UTF-8 and JSON parsing, typed field access and
 * timestamps, all throwing {@link DecodeError}s that name the topic and the field.
 */
import { DecodeError } from '../../decoded.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The payload as UTF-8 text; invalid UTF-8 is a DecodeError. */
export function payloadText(topic: string, payload: Buffer): string {
  try {
    return utf8.decode(payload);
  } catch (error) {
    throw new DecodeError(topic, 'payload is not valid UTF-8', { cause: error });
  }
}

/** The payload parsed as JSON. */
export function parseJson(topic: string, payload: Buffer): unknown {
  const text = payloadText(topic, payload);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DecodeError(topic, `payload is not valid JSON (${(error as Error).message})`, { cause: error });
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The payload parsed as a JSON object (not an array, string or number). */
export function parseJsonObject(topic: string, payload: Buffer): JsonObject {
  const value = parseJson(topic, payload);
  if (!isObject(value)) throw new DecodeError(topic, `payload is ${describe(value)}, expected a JSON object`);
  return value;
}

/** A payload that is one plain number, e.g. `42.47` (surrounding white space allowed). */
export function parsePlainNumber(topic: string, payload: Buffer): number {
  const text = payloadText(topic, payload).trim();
  const value = NUMBER_TEXT.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) throw new DecodeError(topic, `payload "${clip(text)}" is not a number`);
  return value;
}

const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A number written as text (`"21.5"`), or undefined if `text` is not one. */
export function numberFromText(text: string): number | undefined {
  const trimmed = text.trim();
  return NUMBER_TEXT.test(trimmed) ? Number(trimmed) : undefined;
}

/**
 * `obj[key]` as a finite number; `undefined` when absent or `null` (devices publish `null` for values
 * they do not know yet); anything else is a DecodeError naming `where`.
 */
export function optionalNumber(topic: string, obj: JsonObject, key: string, where = key): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new DecodeError(topic, `${where} is ${describe(value)}, expected a number`);
}

/** Like {@link optionalNumber}, but booleans become 1 (true) and 0 (false). */
export function optionalFlag(topic: string, obj: JsonObject, key: string, where = key): number | undefined {
  const value = obj[key];
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined || value === null) return undefined;
  throw new DecodeError(topic, `${where} is ${describe(value)}, expected true or false`);
}

/** `obj[key]` as an object, undefined when absent or null. */
export function optionalObject(
  topic: string,
  obj: JsonObject,
  key: string,
  where = key,
): JsonObject | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (isObject(value)) return value;
  throw new DecodeError(topic, `${where} is ${describe(value)}, expected an object`);
}

/**
 * An ISO 8601 time that carries its offset (`Z` or `±hh:mm`) as ms; offset-less local times are
 * refused because their meaning depends on the device's time zone.
 */
export function isoWithOffset(topic: string, value: unknown, where: string): number {
  if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(value)) {
    throw new DecodeError(topic, `${where} is ${describe(value)}, expected an ISO 8601 time with an offset`);
  }
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new DecodeError(topic, `${where} "${clip(value)}" is not a valid time`);
  return t;
}

const ISO_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/;

/** A short description of a JSON value for error messages: `"hot"`, `an array`, `null`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${clip(value)}"`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
