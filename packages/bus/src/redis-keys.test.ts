import { describe, expect, it } from 'vitest';
import { reconnectOnMoved } from './redis-cluster.js';
import { RedisKeys } from './redis-keys.js';

describe('RedisKeys', () => {
  it('leaves keys on one Redis as they always were', () => {
    const keys = new RedisKeys('herald:');
    expect([keys.lastId, keys.topic('news'), keys.presence('room'), keys.presenceChannel('room')]).toEqual([
      'herald:last-id',
      'herald:topic:news',
      'herald:presence:room',
      'herald:presence-events:room',
    ]);
  });

  it('writes the prefix as a hash tag in cluster mode, for every key and channel', () => {
    const keys = new RedisKeys('herald:', { hashTag: true });
    const all = [
      keys.lastId,
      keys.newTopics,
      keys.topic('a{b}'),
      keys.presence('room'),
      keys.presenceSeq,
      keys.occupancy('room'),
      keys.journal,
      keys.journalLease('hooks'),
      keys.journalCursor('hooks'),
      keys.instances,
      keys.instanceRooms('i-1'),
      keys.presenceChannel('room'),
    ];
    // Redis hashes only what is between the first { and the next }: braces in a name after the tag change nothing.
    for (const key of all) expect(key.startsWith('{herald:}')).toBe(true);
    expect(keys.topicOf(keys.topic('news'))).toBe('news');
    expect(keys.presenceRoomOf(keys.presence('room'))).toBe('room');
    expect(keys.roomOf(keys.presenceChannel('room'))).toBe('room');
  });

  it.each(['', 'a{b', 'a}b', '{x}'])('refuses the prefix %j in cluster mode (it would not be one tag)', (prefix) => {
    expect(() => new RedisKeys(prefix, { hashTag: true })).toThrow(/keyPrefix/);
  });
});

describe('reconnectOnMoved', () => {
  it('reconnects on MOVED and READONLY only, without sending the command again', () => {
    expect(reconnectOnMoved(new Error('MOVED 3999 127.0.0.1:6381'))).toBe(1);
    expect(reconnectOnMoved(new Error("READONLY You can't write against a read only replica."))).toBe(1);
    expect(reconnectOnMoved(new Error('CLUSTERDOWN The cluster is down'))).toBe(false);
    expect(reconnectOnMoved(new Error('ERR unknown command'))).toBe(false);
  });
});
