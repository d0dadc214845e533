/**
 * The deterministic household simulator: synthetic power, energy, room and outdoor data for demos,
 * tests and benchmarks.
 *
 * @example
 * ```ts
 * import { HouseholdSimulator } from './drivers/simulator/index.ts';
 * const sim = new HouseholdSimulator({ seed: 42, ev: true });
 * ```
 */
export { APPLIANCES, type ApplianceName } from './appliances.ts';
export {
  type BatchOptions,
  HouseholdSimulator,
  type LiveOptions,
  type OccupancySnapshot,
  type SimulatorBatch,
} from './household-simulator.ts';
export type { HouseholdSimulatorOptions, ResolvedSimulatorOptions } from './options.ts';
export type { ApplianceActivity } from './power-model.ts';
