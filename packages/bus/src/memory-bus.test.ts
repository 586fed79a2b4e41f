import { describe, expect, it } from 'vitest';
import { IdClock } from './id-clock.js';
import { MemoryBus } from './memory-bus.js';
import { describeBusContract } from '../test/bus-contract.js';

describeBusContract('MemoryBus', {
  create: async (options) => new MemoryBus(options),
});

describe('MemoryBus specifics', () => {
  it('trims exactly to historySize', async () => {
    const bus = new MemoryBus({ historySize: 3 });
    for (let i = 0; i < 10; i++) await bus.publish('t', String(i));
    const h = await bus.history('t', '0-0');
    expect(h.events.map((e) => e.data)).toEqual(['7', '8', '9']);
    expect(h.covered).toBe(false);
  });

  it('releases listeners on unsubscribe', async () => {
    const bus = new MemoryBus({ historySize: 3 });
    const subs = Array.from({ length: 100 }, (_, i) => bus.subscribe(`t${i % 7}`, () => {}));
    expect(bus.stats()).toEqual({ topics: 7, listeners: 100 });
    for (const s of subs) s.unsubscribe();
    expect(bus.stats()).toEqual({ topics: 0, listeners: 0 });
  });

  it('frees the log of an idle topic without being asked (one sweep, not a timer per topic)', async () => {
    const bus = new MemoryBus({ historySize: 10, topicTtlMs: 40 });
    for (let i = 0; i < 50; i++) await bus.publish(`idle.${i}`, 'x'.repeat(1000));
    const sub = bus.subscribe('held', () => {});
    await bus.publish('held', '1');
    expect(bus.retainedTopics()).toBe(51);
    const started = Date.now();
    while (bus.retainedTopics() > 1 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 10));
    expect(bus.retainedTopics()).toBe(1);
    sub.unsubscribe();
    await bus.close();
  });

  it('checks its topic limits before anything runs', () => {
    expect(() => new MemoryBus({ historySize: 1, topicTtlMs: 0 })).toThrow(/topicTtlMs/);
    expect(() => new MemoryBus({ historySize: 1, topicTtlMs: 1.5 })).toThrow(/topicTtlMs/);
    expect(() => new MemoryBus({ historySize: 1, maxTopics: 0 })).toThrow(/maxTopics/);
  });

  it('refuses to publish once closed', async () => {
    const bus = new MemoryBus({ historySize: 3 });
    await bus.close();
    expect(bus.isReady()).toBe(false);
    await expect(bus.publish('t', '1')).rejects.toThrow(/closed/);
  });
});

describe('IdClock', () => {
  it('never goes back, even when the clock does', () => {
    const times = [100, 100, 99, 101, 50];
    const clock = new IdClock(() => times.shift() ?? 0);
    expect([clock.next(), clock.next(), clock.next(), clock.next(), clock.next()]).toEqual([
      '100-0',
      '100-1',
      '100-2',
      '101-0',
      '101-1',
    ]);
  });
});
