import { describe, expect, it } from 'vitest';
import { matchTopic, topicFilterProblem } from '../../../../../drivers/mqtt/families/shared/topic-filter.ts';

describe('MQTT topic filters (MQTT 3.1.1 §4.7)', () => {
  it('matches + one level and # any remaining levels, including none', () => {
    expect(matchTopic('home/+/temp', 'home/kitchen/temp')).toEqual(['kitchen']);
    expect(matchTopic('home/+/temp', 'home/kitchen/hall/temp')).toBeNull();
    expect(matchTopic('home/+/temp', 'home/kitchen')).toBeNull();
    expect(matchTopic('home/#', 'home/a/b')).toEqual(['a/b']);
    expect(matchTopic('home/#', 'home')).toEqual(['']); // "sport/#" also matches "sport"
    expect(matchTopic('+/+', '/finance')).toEqual(['', 'finance']);
    expect(matchTopic('a/b', 'a/b')).toEqual([]);
    expect(matchTopic('a/b', 'a/B')).toBeNull();
    expect(matchTopic('#', '$SYS/uptime')).toBeNull();
    expect(matchTopic('+/uptime', '$SYS/uptime')).toBeNull();
    expect(matchTopic('$SYS/#', '$SYS/uptime')).toEqual(['uptime']);
  });

  it('reports invalid filters', () => {
    expect(topicFilterProblem('a/+/#')).toBeUndefined();
    expect(topicFilterProblem('a/#/b')).toMatch(/last level/);
    expect(topicFilterProblem('a/b+')).toMatch(/whole level/);
    expect(topicFilterProblem('')).toMatch(/empty/);
  });
});
