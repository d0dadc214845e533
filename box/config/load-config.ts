import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { BadRequestError, type ErrorDetail, issuesToDetails } from '../errors.ts';
import { type BoxConfig, configSchema } from './config-schema.ts';

/** The config could not be used: lists every problem as `path: message`. */
export class ConfigError extends BadRequestError {
  constructor(file: string, details: ErrorDetail[]) {
    super(`config file ${file} is invalid; the box will not start until it is fixed`, {
      details,
      code: 'invalid_config',
    });
  }
}

/**
 * Reads and validates the config file, writing the defaults there on first run so the
 * householder has a file to edit. On any problem it throws a ConfigError listing all of them.
 *
 * @example
 * const { config, created } = loadConfig('/root/.databox/config.json');
 */
export function loadConfig(file: string): { config: BoxConfig; created: boolean } {
  if (!existsSync(file)) {
    const config = configSchema.parse({});
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    return { config, created: true };
  }
  const text = readFileSync(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [{ path: '(file)', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(file, issuesToDetails(parsed.error.issues));
  return { config: parsed.data, created: false };
}
