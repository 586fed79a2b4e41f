import type { BusEvent, History } from '@herald/bus';
import { describe, expect, it } from 'vitest';
import { planReplay } from './resume.js';

const ev = (topic: string, id: string): BusEvent => ({ id, topic, data: JSON.stringify(id), ts: 0 });
const covered = (...events: BusEvent[]): History => ({ events, covered: true });

describe('planReplay', () => {
  it('sends held events in id order on a fresh connect', () => {
    const held = [ev('a', '5-0'), ev('b', '3-0')];
    expect(planReplay(undefined, new Map(), held)).toEqual({ resetTopics: [], events: [held[1], held[0]] });
  });

  it('merges several topics in id order', () => {
    const histories = new Map([
      ['a', covered(ev('a', '2-0'), ev('a', '4-0'))],
      ['b', covered(ev('b', '3-0'))],
    ]);
    const ids = planReplay('1-0', histories, []).events.map((e) => e.id);
    expect(ids).toEqual(['2-0', '3-0', '4-0']);
  });

  it('drops held events that history already returned, keeps newer ones', () => {
    const histories = new Map([['a', covered(ev('a', '2-0'), ev('a', '3-0'))]]);
    const held = [ev('a', '3-0'), ev('a', '4-0')];
    expect(planReplay('1-0', histories, held).events.map((e) => e.id)).toEqual(['2-0', '3-0', '4-0']);
  });

  it('compares held events per topic, so an event published between two history reads survives', () => {
    // a's history was read before a:3-0 was published, b's after b:5-0 was.
    const histories = new Map([
      ['a', covered(ev('a', '2-0'))],
      ['b', covered(ev('b', '5-0'))],
    ]);
    const held = [ev('a', '3-0'), ev('b', '5-0'), ev('b', '6-0')];
    const ids = planReplay('1-0', histories, held).events.map((e) => `${e.topic}:${e.id}`);
    expect(ids).toEqual(['a:2-0', 'a:3-0', 'b:5-0', 'b:6-0']);
  });

  it('drops held events at or before the requested id', () => {
    const held = [ev('a', '1-0'), ev('a', '2-0')];
    expect(planReplay('1-0', new Map([['a', covered()]]), held).events.map((e) => e.id)).toEqual(['2-0']);
  });

  it('lists topics whose history was trimmed', () => {
    const histories = new Map<string, History>([
      ['a', { events: [ev('a', '9-0')], covered: false }],
      ['b', covered()],
    ]);
    const replay = planReplay('1-0', histories, []);
    expect(replay.resetTopics).toEqual(['a']);
    expect(replay.events.map((e) => e.id)).toEqual(['9-0']);
  });
});
