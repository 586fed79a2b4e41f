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

  it('sends a fixed token as ?token= and withCredentials to EventSource', () => {
    subscribe('http://stream.test:8088/sse', ['user.alice'], {}, {
      EventSource: FakeEventSource,
      token: 'a.b.c',
      withCredentials: true,
    });
    const source = FakeEventSource.last();
    expect(source.url).toBe('http://stream.test:8088/sse?topic=user.alice&token=a.b.c');
    expect(source.init).toEqual({ withCredentials: true });
  });

  it('with a token function, reopens a dropped stream itself with a fresh token and the last id', async () => {
    let n = 0;
    const states: ConnectionState[] = [];
    const stop = subscribe('http://stream.test:8088', ['user.alice'], { state: (s) => states.push(s) }, {
      EventSource: FakeEventSource,
      backoff: { initialMs: 1_000, maxMs: 4_000, factor: 2 },
      random: () => 0.5,
      token: () => Promise.resolve(`token-${++n}`),
    });
    await vi.advanceTimersByTimeAsync(0);
    const first = FakeEventSource.last();
    expect(first.url).toBe('http://stream.test:8088/sse?topic=user.alice&token=token-1');
    first.open();
    first.dispatch('message', '{}', '9-1');
    // The service ends the stream at exp: EventSource would retry with token-1.
    first.fail(false);
    expect(first.closed).toBe(true);
    expect(states.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1, delayMs: 500 });
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeEventSource.instances).toHaveLength(2);
    expect(FakeEventSource.last().url).toBe('http://stream.test:8088/sse?topic=user.alice&lastEventId=9-1&token=token-2');
    stop();
  });

  it('reports a failing token function and retries it after a backoff delay', async () => {
    const errors: Error[] = [];
    let calls = 0;
    const stop = subscribe('http://stream.test:8088', ['user.alice'], { error: (e) => errors.push(e) }, {
      EventSource: FakeEventSource,
      backoff: { initialMs: 1_000, maxMs: 4_000, factor: 2 },
      random: () => 0.5,
      token: () => {
        calls += 1;
        if (calls === 1) throw new Error('auth server down');
        return 'ok.token';
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(errors.map((e) => e.message)).toEqual(['the token function failed: Error: auth server down']);
    expect(FakeEventSource.instances).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeEventSource.last().url).toBe('http://stream.test:8088/sse?topic=user.alice&token=ok.token');
    stop();
  });

  it('opens nothing when unsubscribed while the token function is pending', async () => {
    let release: (token: string) => void = () => undefined;
    const stop = subscribe('http://stream.test:8088', ['user.alice'], {}, {
      EventSource: FakeEventSource,
      token: () => new Promise<string>((resolve) => (release = resolve)),
    });
    stop();
    release('late.token');
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeEventSource.instances).toHaveLength(0);
  });
});
