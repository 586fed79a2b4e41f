// The replay scenario's checker decides whether a run counts: fed every split of the
// same stream, it must count a correct replay exactly and refuse a gap, a duplicate,
// a reordering, an extra event or something that is not one of ours.
import { describe, expect, it } from 'vitest';
import { compareIds, replayChecker, replayData } from '../src/load/sse-replay.mjs';

const frame = (id, seq) => `id: ${id}\ndata: ${JSON.stringify(replayData(seq, 24))}\n\n`;
const stream = (seqs, id = (i) => `1700000000000-${i}`) =>
  `retry: 2000\n\n${seqs.map((seq, i) => frame(id(i), seq)).join('')}: ping\n\n`;

function run(text, expected, cut = []) {
  let completed = 0;
  const { state, feed } = replayChecker(expected, () => completed++);
  let at = 0;
  for (const end of [...cut, text.length]) {
    feed(text.slice(at, end));
    at = end;
  }
  return { ...state, completed };
}

describe('replayChecker', () => {
  it('counts a complete replay the same however the bytes are split', () => {
    const text = stream([0, 1, 2]);
    for (let a = 0; a <= text.length; a++) {
      for (let b = a; b <= text.length; b += 7) {
        const result = run(text, 3, [a, b]);
        expect(result, `cut at ${a},${b}`).toMatchObject({ count: 3, error: null, completed: 1, lastId: '1700000000000-2' });
      }
    }
  });

  it('reads the baseline ids (1, 2, 3…) too, compared as numbers', () => {
    expect(run(stream([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], (i) => String(i + 1)), 11)).toMatchObject({ count: 11, error: null });
    expect(compareIds('1700000000000-10', '1700000000000-9')).toBeGreaterThan(0);
    expect(compareIds('10', '9')).toBeGreaterThan(0);
    expect(compareIds('1-0', '1-0')).toBe(0);
  });

  it.each([
    ['a gap', [0, 2, 3], 'event 1 carried'],
    ['a duplicate', [0, 1, 1, 2], 'event 2 carried'],
    ['a reordering', [1, 0, 2], 'event 0 carried'],
  ])('refuses %s', (_, seqs, message) => {
    const result = run(stream(seqs), seqs.length);
    expect(result.error).toContain(message);
    expect(result.completed).toBe(0);
  });

  it('refuses more events than were published', () => {
    const result = run(stream([0, 1, 2]), 2);
    expect(result.completed).toBe(1);
    expect(result.error).toContain('more than the 2 events published');
  });

  it('refuses ids that do not increase', () => {
    const result = run(stream([0, 1], () => '5-0'), 2);
    expect(result.error).toContain('id 5-0 after 5-0');
  });

  it('refuses an event that is not one of the replay (a reset, say)', () => {
    const result = run(`${frame('1-0', 0)}id: 1-0\nevent: reset\ndata: {"topics":["replay"]}\n\n`, 2);
    expect(result.count).toBe(1);
    expect(result.error).toContain('unexpected event');
  });
});

describe('replayData', () => {
  it('is exactly the asked size and starts with its sequence number', () => {
    expect(replayData(42, 2048)).toHaveLength(2048);
    expect(replayData(42, 2048).startsWith('#42#x')).toBe(true);
  });
});
