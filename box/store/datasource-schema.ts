import { z } from 'zod';
import { isIsoDuration } from '../util/iso-duration.ts';
import { DATASOURCE_ID_PATTERN, VALUE_TYPES } from './types.ts';

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);

const retentionSchema = z.strictObject({
  raw: z
    .string()
    .refine(isIsoDuration, 'must be an ISO 8601 duration such as P30D, or null to keep for ever')
    .nullable(),
});

/** A datasource as clients create it (HTTP body, CLI flags, drivers). */
export const datasourceSpecSchema = z.strictObject({
  id: z
    .string()
    .regex(
      DATASOURCE_ID_PATTERN,
      'must be 1–64 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
    ),
  kind: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9._-]{0,127}$/,
      'must be a dotted lower-case name such as electricity.import.power',
    ),
  unit: text(32),
  valueType: z.enum(VALUE_TYPES),
  description: text(1000).optional(),
  vendor: text(200).optional(),
  location: text(200).optional(),
  driver: text(100).optional(),
  retention: retentionSchema.optional(),
});

/** Fields that may change after creation (the id and value type may not). */
export const datasourcePatchSchema = datasourceSpecSchema.omit({ id: true, valueType: true }).partial();
