import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionState } from './connection-state.js';
import { subscribe, type StreamEvent } from './subscribe.js';
import { FakeEventSource } from '../../test/fakes.js';

function start(topics: string[], lastEventId?: string) {
  const events: StreamEvent[] = [];
  const resets: StreamEvent[] = [];
  const states: ConnectionState[] = [];
  const stop = subscribe(
    'http://stream.test:8088',
    topics,
    { event: (e) => events.push(e), reset: (e) => resets.push(e), state: (s) => states.push(s) },
    {
      EventSource: FakeEventSource,
      backoff: { initialMs: 1_000, maxMs: 4_000, factor: 2 },
      random: () => 0.5,
      events: ['custom'],
      ...(lastEventId === undefined ? {} : { lastEventId }),
    },
  );
  return { stop, events, resets, states };
}

describe('subscribe (fake EventSource)', () => {
  beforeEach(() => {
    FakeEventSource.instances = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens /sse with the topics and hands over parsed events with id and topic', () => {
    const { events, states } = start(['time']);
    const source = FakeEventSource.last();
    expect(source.url).toBe('http://stream.test:8088/sse?topic=time');
    source.open();
    source.dispatch('message', '{"message":"12:00"}', '1-0');
    source.dispatch('custom', 'plain text', '1-1');
    expect(events).toEqual([
      { id: '1-0', topic: 'time', event: 'message', data: { message: '12:00' } },
      { id: '1-1', topic: 'time', event: 'custom', data: 'plain text' },
    ]);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open']);
  });

  it('leaves the topic undefined with several topics, and reports reset', () => {
    const { events, resets } = start(['a', 'b'], '5-0');
    const source = FakeEventSource.last();
    expect(source.url).toBe('http://stream.test:8088/sse?topic=a&topic=b&lastEventId=5-0');
    source.dispatch('reset', '{}', '');
    source.dispatch('message', '1', '6-0');
    expect(resets).toHaveLength(1);
    expect(events[0]).toMatchObject({ topic: undefined, data: 1 });
  });

  it("lets EventSource retry by itself, and after a hard failure opens a new one from the last id", () => {
    const { states } = start(['time']);
    const first = FakeEventSource.last();
    first.open();
    first.dispatch('message', '{}', '7-3');
    first.fail(false);
    expect(states.at(-1)).toEqual({ state: 'reconnecting', attempt: 1 });
    expect(FakeEventSource.instances).toHaveLength(1);

    first.fail(true);
    expect(first.closed).toBe(true);
    expect(states.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1, delayMs: 500 });
    vi.advanceTimersByTime(499);
    expect(FakeEventSource.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.last().url).toBe('http://stream.test:8088/sse?topic=time&lastEventId=7-3');
    FakeEventSource.last().fail(true);
    expect(states.at(-1)).toMatchObject({ attempt: 2, delayMs: 1_000 });
  });

  it('unsubscribe closes the source, cancels a pending retry and ignores late events', () => {
    const { stop, events, states } = start(['time']);
    const source = FakeEventSource.last();
    source.fail(true);
    stop();
    vi.advanceTimersByTime(10_000);
    expect(FakeEventSource.instances).toHaveLength(1);
    source.dispatch('message', '{}', '1-0');
    expect(events).toEqual([]);
    expect(states.at(-1)).toEqual({ state: 'closed' });
  });
});
