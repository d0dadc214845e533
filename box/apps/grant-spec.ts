import { BadRequestError, type ErrorDetail } from '../errors.ts';
import type { RequestChoice } from './types.ts';

const SPEC =
  /^([a-zA-Z][a-zA-Z0-9_-]{0,63})=([a-z0-9][a-z0-9._-]{0,63})(?:@([a-z0-9]+))?(?:\/(P[0-9A-Z.]+))?$/;

/**
 * Parses `--grant` flags (`REQUEST=DATASOURCE[@RESOLUTION][/HISTORY]`, e.g.
 * `power=meter.power@30min/P90D`) and `--decline REQUEST` flags into consent choices. Every
 * malformed or repeated flag is listed. Resolution and history are checked later against the
 * manifest (`resolveConsent`).
 *
 * @example
 * parseGrantSpecs(['power=meter.power@30min/P90D'], ['temp']);
 * // { power: { datasource: 'meter.power', resolution: '30min', history: 'P90D' }, temp: { decline: true } }
 */
export function parseGrantSpecs(
  grants: readonly string[],
  declines: readonly string[] = [],
): Record<string, RequestChoice> {
  const out: Record<string, RequestChoice> = {};
  const errors: ErrorDetail[] = [];
  grants.forEach((spec, i) => {
    const match = SPEC.exec(spec);
    if (!match) {
      errors.push({
        path: `--grant[${i}]`,
        message: `"${spec}" is not REQUEST=DATASOURCE[@RESOLUTION][/HISTORY], e.g. power=meter.power@30min/P90D`,
      });
      return;
    }
    const [, request, datasource, resolution, history] = match;
    if (out[request]) errors.push({ path: `--grant[${i}]`, message: `request "${request}" is given twice` });
    out[request] = {
      datasource,
      ...(resolution ? { resolution } : {}),
      ...(history ? { history } : {}),
    };
  });
  for (const request of declines) {
    if (out[request])
      errors.push({ path: `--decline ${request}`, message: `request "${request}" is also granted` });
    out[request] = { decline: true };
  }
  if (errors.length > 0) throw new BadRequestError('invalid grant flags', { details: errors });
  return out;
}
