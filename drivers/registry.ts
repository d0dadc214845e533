/**
 * Every kind of driver the box can run. The composition root hands this list to the driver
 * manager; add a type by appending it here.
 *
 * @example
 * import { DRIVER_TYPES } from './drivers/registry.ts';
 * DRIVER_TYPES.map((t) => t.type); // ['mqtt', ...]
 */
import type { DriverType } from './driver.ts';
import { dsmrDriverType } from './dsmr/dsmr-driver.ts';
import { mqttDriverType } from './mqtt/mqtt-driver.ts';
import { simulatorDriverType } from './simulator/simulator-driver.ts';

export const DRIVER_TYPES: DriverType[] = [mqttDriverType, dsmrDriverType, simulatorDriverType];
