/**
 * User-configured mappings for devices no family knows: each rule names a topic filter (MQTT
 * wildcards `+` and `#`), where the value is in the payload and which datasource receives it.
 *
 * - `path`: a JSON path into the payload (`a.b[0].c`, `['key']`); empty for a payload that is one
 *   plain number. Numbers written as text (`"21.5"`) are accepted.
 * - `sourceId`: the datasource id; `{1}`, `{2}`, … are the wildcard matches in order (slugified,
 *   `#` captures the rest of the topic); the result must be a valid datasource id.
 * - `scale`: multiplies numeric values (e.g. `0.001` for Wh → kWh); the unit you give is stored.
 * - `valueType: event` stores the value at `path` (any JSON) as an event.
 * - `timestampPath`: where the time is: a number in seconds (below 10^11) or ms, or an ISO 8601
 *   string with an offset; without it, the receive time.
 *
 * Rules are tried in order; the first whose filter matches decodes the message.
 */
import { z } from 'zod';
import { BadRequestError, issuesToDetails } from '../../../box/errors.ts';
import type { DatasourceSpec } from '../../../box/store/types.ts';
import { DecodeError, type FamilyDecoder } from '../decoded.ts';
import { DecodedBuilder } from './shared/decoded-builder.ts';
import { getPath, parsePath } from './shared/json-path.ts';
import { tidy } from './shared/measures.ts';
import { describe, isoWithOffset, numberFromText, parseJson, parsePlainNumber } from './shared/payload.ts';
import { slugify } from './shared/slug.ts';
import { matchTopic, topicFilterProblem } from './shared/topic-filter.ts';

const pathText = z
  .string()
  .refine((text) => parsePath(text) !== undefined, "is not a JSON path like a.b[0].c or ['key']");

/**
 * The zod schema of one mapping rule (for the box config file).
 *
 * @example
 * ```ts
 * mappingRuleSchema.parse({ topic: 'home/+/temp', path: 'value', sourceId: 'home.{1}.temperature',
 *   kind: 'temperature', unit: '°C', valueType: 'gauge' });
 * ```
 */
export const mappingRuleSchema = z.strictObject({
  topic: z.string().superRefine((filter, ctx) => {
    const problem = topicFilterProblem(filter);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  path: pathText.default(''),
  sourceId: z
    .string()
    .regex(/^[a-z0-9{][a-z0-9._{}-]{0,63}$/, 'must be a datasource id, optionally with {1}, {2}, …'),
  kind: z.string().min(1),
  unit: z.string().default(''),
  valueType: z.enum(['gauge', 'counter', 'event']),
  scale: z.number().finite().optional(),
  timestampPath: pathText.min(1).optional(),
  description: z.string().optional(),
  vendor: z.string().optional(),
  location: z.string().optional(),
});

export type MappingRule = z.output<typeof mappingRuleSchema>;
export type MappingRuleInput = z.input<typeof mappingRuleSchema>;

/**
 * Validates a list of rules, collecting every problem as `mappings[i].field: message`.
 *
 * @example
 * ```ts
 * const rules = parseMappingRules(config.mqtt.mappings); // throws BadRequestError listing all problems
 * ```
 */
export function parseMappingRules(input: unknown): MappingRule[] {
  const result = z.array(mappingRuleSchema).safeParse(input);
  if (!result.success) {
    throw new BadRequestError('invalid MQTT mapping rules', {
      details: issuesToDetails(result.error.issues, 'mappings'),
    });
  }
  return result.data;
}

/**
 * The generic-mapping decoder for validated rules.
 *
 * @example
 * ```ts
 * const generic = createGenericMappingDecoder(parseMappingRules([{ topic: 'home/+/temp', path: '',
 *   sourceId: 'home.{1}.temperature', kind: 'temperature', unit: '°C', valueType: 'gauge' }]));
 * generic.decode('home/kitchen/temp', Buffer.from('21.5'), ctx); // home.kitchen.temperature = 21.5
 * ```
 */
export function createGenericMappingDecoder(rules: readonly MappingRule[]): FamilyDecoder {
  const compiled = rules.map((rule) => ({
    rule,
    path: parsePath(rule.path)!,
    timestampPath: rule.timestampPath === undefined ? undefined : parsePath(rule.timestampPath)!,
  }));
  const find = (topic: string) => {
    for (const entry of compiled) {
      const captures = matchTopic(entry.rule.topic, topic);
      if (captures) return { ...entry, captures };
    }
    return undefined;
  };
  return {
    family: 'generic',
    matches: (topic) => find(topic) !== undefined,
    decode(topic, payload, ctx) {
      const found = find(topic);
      if (!found) throw new DecodeError(topic, 'no mapping rule matches this topic');
      const { rule, path, timestampPath, captures } = found;
      const id = rule.sourceId.replace(/\{(\d+)\}/g, (whole, n: string) => {
        const capture = captures[Number(n) - 1];
        if (capture === undefined)
          throw new DecodeError(topic, `sourceId ${rule.sourceId}: ${whole} has no wildcard match`);
        return slugify(capture, 32, { caseInsensitive: true });
      });
      const spec: DatasourceSpec = { id, kind: rule.kind, unit: rule.unit, valueType: rule.valueType };
      for (const key of ['description', 'vendor', 'location'] as const)
        if (rule[key] !== undefined) spec[key] = rule[key];
      const plain = path.length === 0 && rule.valueType !== 'event' && timestampPath === undefined;
      const body = plain ? parsePlainNumber(topic, payload) : parseJson(topic, payload);
      const value = getPath(body, path);
      if (value === undefined) throw new DecodeError(topic, `payload has nothing at "${rule.path}"`);
      const t =
        timestampPath === undefined
          ? ctx.now()
          : timeAt(topic, getPath(body, timestampPath), rule.timestampPath!);
      const out = new DecodedBuilder(topic, ctx);
      if (rule.valueType === 'event') {
        out.event(spec, t, value);
        return out.build();
      }
      const n =
        typeof value === 'number' ? value : typeof value === 'string' ? numberFromText(value) : undefined;
      if (n === undefined)
        throw new DecodeError(topic, `${rule.path || 'payload'} is ${describe(value)}, expected a number`);
      out.reading(spec, t, rule.scale === undefined ? n : tidy(n * rule.scale));
      return out.build();
    },
  };
}

function timeAt(topic: string, value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value;
  return isoWithOffset(topic, value, where);
}
