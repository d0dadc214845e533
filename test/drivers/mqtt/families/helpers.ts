import type { Decoded } from '../../../../drivers/mqtt/decoded.ts';
import { createDecodeContext, type DecodeContext } from '../../../../drivers/mqtt/decoded.ts';

/** Receive time used by the tests: 2023-11-14T22:13:20Z. */
export const NOW = 1_700_000_000_000;

export function testContext(): DecodeContext {
  return createDecodeContext({ now: () => NOW, driver: 'mqtt-test' });
}

/** Readings as `sourceId → value` (last one wins) for compact assertions. */
export function values(decoded: Decoded): Record<string, number> {
  return Object.fromEntries(decoded.readings.map((r) => [r.sourceId, r.v]));
}

export function spec(decoded: Decoded, id: string) {
  const found = decoded.datasources.find((d) => d.id === id);
  if (!found) throw new Error(`no datasource ${id} in ${decoded.datasources.map((d) => d.id).join(', ')}`);
  return found;
}
