import { DATASOURCE_ID_PATTERN, type DatasourceSpec } from '../../../../box/store/types.ts';
import { type DecodeContext, type Decoded, DecodeError } from '../../decoded.ts';

/** Ids already checked against the pattern (the check runs per reading on a hot path). */
const VALID_IDS = new Set<string>();

/**
 * Collects the datasources, readings and events of one message: each datasource is listed once,
 * ids are checked against the catalogue pattern, values must be finite and times integral ms.
 *
 * @example
 * ```ts
 * const out = new DecodedBuilder(topic, ctx);
 * out.reading({ id: 'z2m.kitchen.temperature', kind: 'temperature', unit: '°C', valueType: 'gauge' }, t, 21.5);
 * return out.build();
 * ```
 */
export class DecodedBuilder {
  private readonly specs = new Map<string, DatasourceSpec>();
  private readonly decoded: Decoded = { datasources: [], readings: [], events: [] };

  constructor(
    private readonly topic: string,
    private readonly ctx: DecodeContext,
  ) {}

  /** Declares a datasource (also without data, e.g. from a discovery config); returns its id. */
  source(spec: DatasourceSpec): string {
    if (!VALID_IDS.has(spec.id)) {
      if (!DATASOURCE_ID_PATTERN.test(spec.id)) {
        throw new DecodeError(
          this.topic,
          `datasource id "${spec.id}" does not match ${DATASOURCE_ID_PATTERN}`,
        );
      }
      // a house has a few hundred ids at most; the cap only guards against a flood of new names
      if (VALID_IDS.size >= 10_000) VALID_IDS.clear();
      VALID_IDS.add(spec.id);
    }
    if (!this.specs.has(spec.id)) {
      const driver = this.ctx.options?.driver;
      const full = driver === undefined || spec.driver !== undefined ? spec : { ...spec, driver };
      this.specs.set(spec.id, full);
      this.decoded.datasources.push(full);
    }
    return spec.id;
  }

  reading(spec: DatasourceSpec, t: number, v: number): void {
    if (!Number.isFinite(v)) throw new DecodeError(this.topic, `value ${v} for ${spec.id} is not finite`);
    this.decoded.readings.push({ sourceId: this.source(spec), t: checkTime(this.topic, t), v });
  }

  event(spec: DatasourceSpec, t: number, data: unknown): void {
    this.decoded.events.push({ sourceId: this.source(spec), t: checkTime(this.topic, t), data });
  }

  build(): Decoded {
    return this.decoded;
  }
}

function checkTime(topic: string, t: number): number {
  // 1970..9999 as the store accepts (MIN_TIMESTAMP..MAX_TIMESTAMP).
  if (!Number.isFinite(t) || t < 0 || t > 253_402_300_799_999) {
    throw new DecodeError(topic, `timestamp ${t} is out of range`);
  }
  return Math.round(t);
}
