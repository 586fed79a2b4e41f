import { describe, expect, it } from 'vitest';
import { LiveFloors, planResume, topicsNeedingNewest, withHeld, type Positioned, type TopicHistory } from './resume.js';

const ev = (topic: string, id: string): Positioned => ({ id, topic });
const covered = (...events: Positioned[]): TopicHistory<Positioned> => ({ events, covered: true });
const ids = (events: readonly Positioned[]) => events.map((e) => `${e.topic}:${e.id}`);

describe('planResume: first connect', () => {
  it('replays the newest history it was given and floors each topic at its last event', () => {
    const plan = planResume({ after: undefined, histories: new Map([['a', covered(ev('a', '2-0'), ev('a', '3-0'))]]) });
    expect(ids(plan.replay)).toEqual(['a:2-0', 'a:3-0']);
    expect(plan.recovered).toBe(true);
    expect(plan.reset).toEqual([]);
    expect(plan.floors.get('a')).toBe('3-0');
  });

  it('sends held events in id order when nothing was read', () => {
    const plan = planResume({ after: undefined, histories: new Map() });
    expect(plan.floors.size).toBe(0);
    expect(ids(withHeld(plan, [ev('a', '5-0'), ev('b', '3-0')]))).toEqual(['b:3-0', 'a:5-0']);
  });

  it('is recovered even when history was trimmed (nothing was asked for)', () => {
    const plan = planResume({ after: undefined, histories: new Map([['a', { events: [ev('a', '9-0')], covered: false }]]) });
    expect(plan.recovered).toBe(true);
    expect(plan.reset).toEqual([]);
  });
});

describe('planResume: resume after an id', () => {
  it('merges several topics in id order', () => {
    const histories = new Map([
      ['a', covered(ev('a', '2-0'), ev('a', '4-0'))],
      ['b', covered(ev('b', '3-0'))],
    ]);
    expect(ids(planResume({ after: '1-0', histories }).replay)).toEqual(['a:2-0', 'b:3-0', 'a:4-0']);
  });

  it('never replays an event at or before the id, even if history returned it', () => {
    const plan = planResume({ after: '2-0', histories: new Map([['a', covered(ev('a', '2-0'), ev('a', '3-0'))]]) });
    expect(ids(plan.replay)).toEqual(['a:3-0']);
  });

  it('drops held events that history already returned, keeps newer ones', () => {
    const plan = planResume({ after: '1-0', histories: new Map([['a', covered(ev('a', '2-0'), ev('a', '3-0'))]]) });
    expect(ids(withHeld(plan, [ev('a', '3-0'), ev('a', '4-0')]))).toEqual(['a:2-0', 'a:3-0', 'a:4-0']);
  });

  it('compares held events per topic, so an event published between two history reads survives', () => {
    // a's history was read before a:3-0 was published, b's after b:5-0 was.
    const histories = new Map([
      ['a', covered(ev('a', '2-0'))],
      ['b', covered(ev('b', '5-0'))],
    ]);
    const plan = planResume({ after: '1-0', histories });
    expect(ids(withHeld(plan, [ev('a', '3-0'), ev('b', '5-0'), ev('b', '6-0')]))).toEqual(['a:2-0', 'a:3-0', 'b:5-0', 'b:6-0']);
  });

  it('lists topics whose history was trimmed and is then not recovered', () => {
    const histories = new Map<string, TopicHistory<Positioned>>([
      ['a', { events: [ev('a', '9-0')], covered: false }],
      ['b', covered()],
    ]);
    const plan = planResume({ after: '1-0', histories });
    expect(plan.reset).toEqual(['a']);
    expect(plan.recovered).toBe(false);
    expect(ids(plan.replay)).toEqual(['a:9-0']);
  });

  it('floors a quiet topic at the id when the topic has reached it (a lagging reader repeats nothing)', () => {
    const plan = planResume({ after: '5-0', histories: new Map([['a', covered()]]), newest: new Map([['a', '7-0']]) });
    expect(plan.floors.get('a')).toBe('5-0');
    expect(ids(withHeld(plan, [ev('a', '5-0'), ev('a', '8-0')]))).toEqual(['a:8-0']);
  });

  it('clamps an id past the topic newest to the newest, so a made-up id swallows nothing to come', () => {
    const plan = planResume({ after: '99-0', histories: new Map([['a', covered()]]), newest: new Map([['a', '7-0']]) });
    expect(plan.floors.get('a')).toBe('7-0');
    expect(plan.floors.admit('a', '7-0')).toBe(false);
    expect(plan.floors.admit('a', '8-0')).toBe(true);
  });

  it('sets no floor on an empty topic: whatever comes to it is new', () => {
    const plan = planResume({ after: '99-0', histories: new Map([['a', covered()]]), newest: new Map() });
    expect(plan.floors.size).toBe(0);
    expect(ids(withHeld(plan, [ev('a', '8-0')]))).toEqual(['a:8-0']);
  });
});

describe('topicsNeedingNewest', () => {
  it('names only the quiet topics of a resume', () => {
    const histories = new Map([
      ['a', covered(ev('a', '2-0'))],
      ['b', covered()],
    ]);
    expect(topicsNeedingNewest('1-0', histories)).toEqual(['b']);
    expect(topicsNeedingNewest(undefined, histories)).toEqual([]);
  });
});

describe('LiveFloors', () => {
  it('drops events up to the floor, then lets the topic through for good', () => {
    const floors = new LiveFloors([['a', '3-0']]);
    expect(floors.admit('a', '2-0')).toBe(false);
    expect(floors.admit('a', '3-0')).toBe(false);
    expect(floors.size).toBe(1);
    expect(floors.admit('a', '4-0')).toBe(true);
    expect(floors.size).toBe(0);
    expect(floors.admit('a', '1-0')).toBe(true);
  });

  it('admits topics it does not guard', () => {
    expect(new LiveFloors([['a', '3-0']]).admit('b', '1-0')).toBe(true);
  });
});
