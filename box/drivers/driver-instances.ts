/**
 * Driver instances as stored: one key per instance in the kv namespace `drivers` (no migration
 * needed, and the CLI can change them with the box stopped). Every change commits together with
 * its audit entry (`driver.add`, `driver.update`, `driver.remove`); secrets are redacted there.
 */
import { z } from 'zod';
import type { DriverType } from '../../drivers/driver.ts';
import { BadRequestError, ConflictError, issuesToDetails, NotFoundError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { Actor } from '../store/types.ts';
import { findDriverType, isRedacted, redactConfig } from './driver-types.ts';

export const DRIVERS_KV_NAMESPACE = 'drivers';

/** Instance ids: lower-case, 1–32 characters; the audit actor is `driver:<id>`. */
export const DRIVER_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** A configured driver instance. `config` is kept as given (validated) and parsed again at each start. */
export interface DriverInstance {
  id: string;
  type: string;
  config: Record<string, unknown>;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

const idSchema = z
  .string()
  .regex(DRIVER_ID_PATTERN, 'must be 1–32 of a-z, 0-9, _ and -, starting with a letter or digit');
const configObject = z.record(z.string(), z.unknown());

const addSchema = z.strictObject({
  id: idSchema.optional(),
  type: z.string().min(1),
  config: configObject.default({}),
  enabled: z.boolean().default(true),
});

const patchSchema = z.strictObject({
  /**
   * Merged into the stored config key by key; a `null` value removes that key, and a secret sent
   * back as `"***"` (as the API shows it) keeps the stored one.
   */
  config: configObject.optional(),
  enabled: z.boolean().optional(),
});

export type DriverInstanceInput = z.input<typeof addSchema>;
export type DriverInstancePatch = z.input<typeof patchSchema>;

function parse<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success)
    throw new BadRequestError(`invalid ${what}`, { details: issuesToDetails(result.error.issues) });
  return result.data;
}

/**
 * Checks `config` against the type's zod schema; a 400 lists every problem as `config.path: message`.
 *
 * @example
 * validateDriverConfig(mqttDriverType, { url: 'ftp://x' }); // throws: config.url: must start with mqtt:// or mqtts://
 */
export function validateDriverConfig<C>(type: DriverType<C>, config: unknown): C {
  const result = type.configSchema.safeParse(config);
  if (!result.success) {
    throw new BadRequestError(`invalid config for a ${type.type} driver`, {
      details: issuesToDetails(result.error.issues, 'config'),
    });
  }
  return result.data;
}

/**
 * The stored list of driver instances.
 *
 * @example
 * const instances = new DriverInstances(store, DRIVER_TYPES);
 * instances.add({ type: 'mqtt', config: { url: 'mqtt://127.0.0.1:1883' } }, 'user');
 * instances.list(); // [{ id: 'mqtt', type: 'mqtt', enabled: true, ... }]
 */
export class DriverInstances {
  readonly #store: Store;
  readonly #types: readonly DriverType[];

  constructor(store: Store, types: readonly DriverType[]) {
    this.#store = store;
    this.#types = types;
  }

  list(): DriverInstance[] {
    return this.#store.kv.list(DRIVERS_KV_NAMESPACE).map((row) => row.value as DriverInstance);
  }

  find(id: string): DriverInstance | undefined {
    return this.#store.kv.get(DRIVERS_KV_NAMESPACE, id) as DriverInstance | undefined;
  }

  get(id: string): DriverInstance {
    const found = this.find(id);
    if (!found) throw new NotFoundError(`no driver instance "${id}"`);
    return found;
  }

  /** Validates and stores a new instance; the id defaults to the type name (then `<type>-2`, …). */
  add(input: unknown, actor: Actor): DriverInstance {
    const parsed = parse(addSchema, input, 'driver instance');
    const type = findDriverType(this.#types, parsed.type);
    validateDriverConfig(type, parsed.config);
    return this.#store.transaction(() => {
      const id = parsed.id ?? this.#freeId(type.type);
      if (this.find(id)) throw new ConflictError(`a driver instance "${id}" already exists`);
      const now = this.#store.now();
      const instance: DriverInstance = {
        id,
        type: type.type,
        config: parsed.config,
        enabled: parsed.enabled,
        createdAt: now,
        updatedAt: now,
      };
      this.#store.kv.set(DRIVERS_KV_NAMESPACE, id, instance, now);
      this.#store.audit.append({
        actor,
        action: 'driver.add',
        subject: id,
        details: { type: instance.type, enabled: instance.enabled, config: redactConfig(instance.config) },
      });
      return instance;
    });
  }

  /** Changes `enabled` and/or merges `config` (validated again as a whole). */
  update(id: string, input: unknown, actor: Actor): DriverInstance {
    const patch = parse(patchSchema, input, 'driver update');
    return this.#store.transaction(() => {
      const before = this.get(id);
      const config = { ...before.config };
      for (const [key, value] of Object.entries(patch.config ?? {})) {
        if (isRedacted(key, value)) continue; // sent back as read: keep the stored secret
        if (value === null) delete config[key];
        else config[key] = value;
      }
      validateDriverConfig(findDriverType(this.#types, before.type), config);
      const after: DriverInstance = {
        ...before,
        config,
        enabled: patch.enabled ?? before.enabled,
        updatedAt: this.#store.now(),
      };
      this.#store.kv.set(DRIVERS_KV_NAMESPACE, id, after, after.updatedAt);
      this.#store.audit.append({
        actor,
        action: 'driver.update',
        subject: id,
        details: {
          ...(patch.enabled === undefined ? {} : { enabled: { from: before.enabled, to: after.enabled } }),
          ...(patch.config === undefined
            ? {}
            : { config: { from: redactConfig(before.config), to: redactConfig(after.config) } }),
        },
      });
      return after;
    });
  }

  /** Deletes the instance; its datasources and their data stay in the store. */
  remove(id: string, actor: Actor): DriverInstance {
    return this.#store.transaction(() => {
      const instance = this.get(id);
      this.#store.kv.delete(DRIVERS_KV_NAMESPACE, id);
      this.#store.audit.append({
        actor,
        action: 'driver.remove',
        subject: id,
        details: { type: instance.type },
      });
      return instance;
    });
  }

  #freeId(base: string): string {
    const stem =
      base
        .toLowerCase()
        .replace(/[^a-z0-9_-]/g, '-')
        .slice(0, 28) || 'driver';
    if (!this.find(stem)) return stem;
    for (let n = 2; ; n++) if (!this.find(`${stem}-${n}`)) return `${stem}-${n}`;
  }
}
