import { describe, expect, it } from 'vitest';
import { compareIds } from './ids.js';
import { freshHeld, ReplayPager, type Positioned, type TopicHistory } from './resume.js';

const ev = (topic: string, id: string): Positioned => ({ id, topic });
const ids = (events: readonly Positioned[]) => events.map((e) => `${e.topic}:${e.id}`);

/** A bus's history in memory: every topic's events, and what was trimmed. */
class FakeHistory {
  readonly logs = new Map<string, Positioned[]>();
  readonly trimmedUpTo = new Map<string, string>();
  /** Every read, as `topic after limit`, to show how the pager pages. */
  readonly reads: string[] = [];

  add(topic: string, ...seqs: number[]): void {
    const log = this.logs.get(topic) ?? [];
    for (const seq of seqs) log.push(ev(topic, `${seq}-0`));
    this.logs.set(topic, log);
  }

  trim(topic: string, keep: number): void {
    const log = this.logs.get(topic)!;
    const cut = log.splice(0, log.length - keep);
    if (cut.length > 0) this.trimmedUpTo.set(topic, cut.at(-1)!.id);
  }

  read = async (topic: string, after: string, limit: number): Promise<TopicHistory<Positioned>> => {
    this.reads.push(`${topic} ${after} ${limit}`);
    const log = this.logs.get(topic) ?? [];
    const trimmed = this.trimmedUpTo.get(topic);
    const newer = log.filter((e) => compareIds(e.id, after) > 0);
    return { events: newer.slice(0, limit), covered: trimmed === undefined || compareIds(after, trimmed) >= 0 };
  };
}

async function drain(pager: ReplayPager<Positioned>): Promise<{ pages: Positioned[][]; reset: string[] }> {
  const pages: Positioned[][] = [];
  const reset: string[] = [];
  while (!pager.done) {
    const page = await pager.next();
    reset.push(...page.reset);
    if (page.events.length > 0) pages.push([...page.events]);
  }
  return { pages, reset };
}

describe('ReplayPager', () => {
  it('pages one topic in pages of pageSize, exactly after the id and up to upTo', async () => {
    const h = new FakeHistory();
    h.add('a', 1, 2, 3, 4, 5, 6, 7, 8);
    const pager = new ReplayPager({ after: '2-0', topics: ['a'], upTo: '7-0', read: h.read, pageSize: 2 });
    const { pages, reset } = await drain(pager);
    expect(pages.map(ids)).toEqual([['a:3-0', 'a:4-0'], ['a:5-0', 'a:6-0'], ['a:7-0']]);
    expect(reset).toEqual([]);
    // 8-0 is above upTo: it comes live, and the floor drops anything at or below 7-0.
    expect(pager.floors.get('a')).toBe('7-0');
  });

  it('merges several topics in id order while holding one page per topic', async () => {
    const h = new FakeHistory();
    h.add('a', 1, 4, 5, 9);
    h.add('b', 2, 3, 6, 7, 8);
    const pager = new ReplayPager({ after: '0-0', topics: ['a', 'b'], upTo: '9-0', read: h.read, pageSize: 4 });
    const { pages } = await drain(pager);
    expect(pages.flat().map((e) => e.id)).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0', '6-0', '7-0', '8-0', '9-0']);
    // Two per topic per read (pageSize over topics), never more than one read page per topic.
    expect(h.reads.every((r) => r.endsWith(' 2'))).toBe(true);
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(4);
  });

  it('reads nothing when the id is at or past the newest one, and floors every topic there', async () => {
    const h = new FakeHistory();
    h.add('a', 1, 2);
    const madeUp = new ReplayPager({ after: '99-0', topics: ['a', 'b'], upTo: '2-0', read: h.read, pageSize: 10 });
    expect(madeUp.done).toBe(true);
    expect(h.reads).toEqual([]);
    // A live event above the real newest id is not swallowed by the made-up one.
    expect(ids(freshHeld(madeUp.floors, [ev('a', '2-0'), ev('a', '3-0')]))).toEqual(['a:3-0']);
  });

  it('has no floors when nothing was ever published', async () => {
    const pager = new ReplayPager({ after: '5-0', topics: ['a'], upTo: undefined, read: new FakeHistory().read, pageSize: 10 });
    expect(pager.done).toBe(true);
    expect(pager.floors.size).toBe(0);
  });

  it('reports a topic trimmed past the id on its first page, and one trimmed while it is paged', async () => {
    const h = new FakeHistory();
    h.add('a', 1, 2, 3, 4, 5, 6);
    h.trim('a', 5); // 1-0 gone
    const pager = new ReplayPager({ after: '0-0', topics: ['a'], upTo: '6-0', read: h.read, pageSize: 2 });
    const first = await pager.next();
    expect(first.reset).toEqual(['a']);
    expect(ids(first.events)).toEqual(['a:2-0', 'a:3-0']);
    h.trim('a', 1); // 4-0 and 5-0 go before they were read
    const second = await pager.next();
    expect(second.reset).toEqual(['a']);
    expect(ids(second.events)).toEqual(['a:6-0']);
    expect(pager.done).toBe(true);
  });

  it('freshHeld drops held events the replay covered and sorts the rest across topics', () => {
    const h = new FakeHistory();
    const pager = new ReplayPager({ after: '1-0', topics: ['a', 'b'], upTo: '5-0', read: h.read, pageSize: 10 });
    const held = [ev('b', '4-0'), ev('b', '7-0'), ev('a', '5-0'), ev('a', '6-0')];
    expect(ids(freshHeld(pager.floors, held))).toEqual(['a:6-0', 'b:7-0']);
  });

  it('equals the whole history sorted and cut at the ids, for many seeded shapes', async () => {
    // A fixed-seed generator: the same 200 cases every run.
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let run = 0; run < 200; run++) {
      const h = new FakeHistory();
      const topics = ['a', 'b', 'c', 'd'].slice(0, 1 + rand(4));
      const total = rand(60);
      for (let seq = 1; seq <= total; seq++) h.add(topics[rand(topics.length)]!, seq);
      const after = `${rand(total + 2)}-0`;
      const upTo = `${rand(total + 2)}-0`;
      const pageSize = 1 + rand(9);
      const pager = new ReplayPager({ after, topics, upTo, read: h.read, pageSize });
      const { pages } = await drain(pager);
      const expected = [...h.logs.values()]
        .flat()
        .filter((e) => compareIds(e.id, after) > 0 && compareIds(e.id, upTo) <= 0)
        .sort((x, y) => compareIds(x.id, y.id));
      expect(ids(pages.flat()), `run ${run}`).toEqual(ids(expected));
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(pageSize);
    }
  });

  it('refuses a page size that is not a positive integer', () => {
    const read = new FakeHistory().read;
    expect(() => new ReplayPager({ after: '1-0', topics: ['a'], upTo: '2-0', read, pageSize: 0 })).toThrow(RangeError);
  });
});
