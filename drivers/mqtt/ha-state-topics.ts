/**
 * Home Assistant discovery configs name their state topics, which may lie outside the topics the
 * driver subscribed to (e.g. `home/bedroom/state`): this finds the ones not yet covered.
 */
import type { DecodeContext } from './decoded.ts';
import type { HaDiscoveryState } from './families/ha-discovery.ts';
import { matchTopic } from './families/shared/topic-filter.ts';

/**
 * Adds to `subscribed` (and returns) the state topics of known HA entities that no subscribed filter
 * matches yet. `withPrefix` maps a topic to what is subscribed (the driver's topic prefix).
 *
 * @example
 * const more = followHaStateTopics(decodeCtx, subscribed, (t) => t);
 * if (more.length) client.subscribe(more);
 */
export function followHaStateTopics(
  ctx: DecodeContext,
  subscribed: Set<string>,
  withPrefix: (topic: string) => string,
): string[] {
  // read the slot without creating it: the decoder creates it on its first message
  const state = ctx.state['ha-discovery'] as HaDiscoveryState | undefined;
  if (!state) return [];
  const added: string[] = [];
  for (const entity of state.entities.values()) {
    const topic = withPrefix(entity.stateTopic);
    if ([...subscribed].some((filter) => matchTopic(filter, topic) !== null)) continue;
    subscribed.add(topic);
    added.push(topic);
  }
  return added;
}
