import { getPriority, setPriority } from 'node:os';

/** The nice value long background work runs at: below the daemon's 0, above idle-only work. */
export const BACKGROUND_NICE = 10;

/**
 * Lowers this process's CPU priority to nice {@link BACKGROUND_NICE}, for work that may take
 * minutes and must not slow the daemon on a 2-core box: `databox backup` (its encryption keeps a
 * core busy) and `databox check`, whether a householder runs them or the daemon spawns them. On an
 * otherwise idle machine they run as fast as before. Never raises a priority (a process already
 * nicer keeps its value); where the system refuses, the work runs at the priority it has.
 *
 * @example
 * lowerPriority(); // first thing in the backup command
 */
export function lowerPriority(): number {
  try {
    if (getPriority() < BACKGROUND_NICE) setPriority(BACKGROUND_NICE);
    return getPriority();
  } catch {
    return Number.NaN;
  }
}
