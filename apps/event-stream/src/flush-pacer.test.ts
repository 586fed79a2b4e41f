import { describe, expect, it } from 'vitest';
import { FlushPacer, MAX_FLUSH_WAIT_MS, type PacerClock } from './flush-pacer.js';

/** A clock moved by hand; scheduled runs wait in a list until the test fires them. */
class FakeClock implements PacerClock {
  time = 0;
  readonly queued: Array<{ run: () => void; ms: number | 'immediate' }> = [];

  now(): number {
    return this.time;
  }

  immediate(run: () => void): void {
    this.queued.push({ run, ms: 'immediate' });
  }

  timeout(run: () => void, ms: number): void {
    this.queued.push({ run, ms });
  }

  fire(): void {
    this.queued.shift()!.run();
  }
}

/** A flush that "takes" `cost` ms of the fake clock, and counts its runs. */
function pacedFlush(clock: FakeClock, cost: number) {
  const state = { runs: 0, cost, pending: false };
  const pacer = new FlushPacer(() => {
    if (!state.pending) return false;
    state.pending = false;
    state.runs += 1;
    clock.time += state.cost;
    return true;
  }, clock);
  const add = () => {
    state.pending = true;
    pacer.schedule();
  };
  return { pacer, state, add };
}

describe('FlushPacer', () => {
  it('flushes in the check phase (setImmediate) while flushes are cheap', () => {
    const clock = new FakeClock();
    const { state, add } = pacedFlush(clock, 0.2);
    add();
    add();
    expect(clock.queued.map((q) => q.ms)).toEqual(['immediate']);
    clock.fire();
    expect(state.runs).toBe(1);
    add();
    expect(clock.queued.map((q) => q.ms)).toEqual(['immediate']);
  });

  it('after a costly flush, waits as long as it took before the next, and every event in between shares it', () => {
    const clock = new FakeClock();
    const { state, add } = pacedFlush(clock, 4);
    add();
    clock.fire();
    expect(clock.time).toBe(4);
    clock.time += 1;
    add();
    add();
    add();
    // Flushed at 4, took 4: not before 8; it is 5.
    expect(clock.queued.map((q) => q.ms)).toEqual([3]);
    clock.time = 8;
    clock.fire();
    expect(state.runs).toBe(2);
    // Past the window, the next event goes out in the same turn again.
    clock.time += 10;
    add();
    expect(clock.queued.map((q) => q.ms)).toEqual(['immediate']);
  });

  it(`never holds an event longer than ${MAX_FLUSH_WAIT_MS} ms, however long the last flush took`, () => {
    const clock = new FakeClock();
    const { add } = pacedFlush(clock, 500);
    add();
    clock.fire();
    add();
    expect(clock.queued.map((q) => q.ms)).toEqual([MAX_FLUSH_WAIT_MS]);
  });

  it('a direct run (a stream going live) flushes at once, and the scheduled run then finds nothing to do', () => {
    const clock = new FakeClock();
    const { pacer, state, add } = pacedFlush(clock, 3);
    add();
    pacer.run();
    expect(state.runs).toBe(1);
    clock.fire();
    expect(state.runs).toBe(1);
    // The empty scheduled run left the pace of the real flush: not before 6.
    add();
    expect(clock.queued.map((q) => q.ms)).toEqual([3]);
  });
});
