// The storm's verdict is only worth something if it can say no: the tally must see a
// missing id, a duplicate, and an id nobody acknowledged, per client of each room.
import { describe, expect, it } from 'vitest';
import { compareIds } from '../src/load/storm-client.mjs';
import { tally } from '../src/load/storm-verify.mjs';

const client = (index, room, ids) => ({ index, room, ids, lastId: ids.at(-1) });

describe('storm tally', () => {
  const acked = { a: ['1-0', '1-1', '2-0'], b: ['3-0'] };

  it('counts every acked id of a room once per client of that room', () => {
    const result = tally([client(0, 'a', ['1-0', '1-1', '2-0']), client(1, 'a', ['1-0', '1-1', '2-0']), client(2, 'b', ['3-0'])], acked);
    expect(result).toMatchObject({ clients: 3, expected: 7, received: 7, missing: 0, duplicates: 0, unacked: 0, clientsMissing: 0, firstMissing: null });
  });

  it('sees a loss, a duplicate and an id nobody acknowledged', () => {
    const result = tally([client(0, 'a', ['1-0', '2-0', '2-0', '9-9']), client(1, 'b', [])], acked);
    expect(result).toMatchObject({ expected: 4, received: 2, missing: 2, duplicates: 1, unacked: 1, clientsMissing: 2 });
    expect(result.firstMissing).toEqual({ client: 0, room: 'a', id: '1-1', lastId: '9-9' });
  });

  it('expects nothing of a room nothing was acked in', () => {
    expect(tally([client(0, 'c', [])], acked)).toMatchObject({ expected: 0, missing: 0 });
  });

  it('orders ids numerically, as the protocol does', () => {
    expect(compareIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareIds('11-0', '10-99')).toBeGreaterThan(0);
    expect(compareIds('5-5', '5-5')).toBe(0);
  });
});
