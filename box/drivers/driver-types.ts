/**
 * Looking up driver types by name and describing them for the API (`GET /api/v1/driver-types`).
 * The list itself is `drivers/registry.ts`; the box is handed it by the composition root.
 */
import { z } from 'zod';
import type { DriverType } from '../../drivers/driver.ts';
import { BadRequestError } from '../errors.ts';

/** What the API says about a driver type. */
export interface DriverTypeInfo {
  type: string;
  description: string;
  /** JSON Schema (draft 2020-12) of the config, from the type's zod schema. */
  configSchema: unknown;
}

/**
 * The type named `name`, or a 400 that lists the known types.
 *
 * @example
 * const mqtt = findDriverType(DRIVER_TYPES, 'mqtt');
 */
export function findDriverType(types: readonly DriverType[], name: string, path = 'type'): DriverType {
  const found = types.find((t) => t.type === name);
  if (!found) {
    const known = types.map((t) => t.type).join(', ') || 'none';
    throw new BadRequestError(`unknown driver type "${name}" (known: ${known})`, {
      details: [{ path, message: `must be one of ${known}` }],
    });
  }
  return found;
}

/**
 * Describes a type, with its config as JSON Schema (the input side: defaults are optional).
 *
 * @example
 * describeDriverType(mqttDriverType).configSchema.properties.url; // { type: 'string', ... }
 */
export function describeDriverType(type: DriverType): DriverTypeInfo {
  let configSchema: unknown;
  try {
    configSchema = z.toJSONSchema(type.configSchema, { io: 'input', unrepresentable: 'any' });
  } catch (error) {
    // a schema with a construct JSON Schema cannot express still gets listed
    configSchema = { description: `not representable as JSON Schema: ${(error as Error).message}` };
  }
  return { type: type.type, description: type.description, configSchema };
}

const SECRET_KEY = /pass(word)?|secret|token|key$/i;

/**
 * Whether `value` is the placeholder {@link redactConfig} put in place of the secret `key`: a
 * client that sends back a config it read keeps the stored secret.
 *
 * @example
 * isRedacted('password', '***'); // true
 */
export function isRedacted(key: string, value: unknown): boolean {
  return value === '***' && SECRET_KEY.test(key);
}

/**
 * A copy of a config with secret-looking fields (password, secret, token, …key) replaced by
 * `"***"`, for API answers, the CLI and the audit log.
 *
 * @example
 * redactConfig({ url: 'mqtt://hub', password: 'pw' }); // { url: 'mqtt://hub', password: '***' }
 */
export function redactConfig(config: unknown): unknown {
  if (Array.isArray(config)) return config.map(redactConfig);
  if (config === null || typeof config !== 'object') return config;
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      SECRET_KEY.test(key) && typeof value === 'string' ? '***' : redactConfig(value),
    ]),
  );
}
