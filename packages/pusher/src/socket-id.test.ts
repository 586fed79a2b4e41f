import Pusher from 'pusher';
import { describe, expect, it } from 'vitest';
import { isSocketId, newSocketId } from './socket-id.js';

describe('socket ids', () => {
  it('are <int>.<int>, accepted by the pusher SDK', () => {
    const sdk = new Pusher({ appId: '1', key: 'key', secret: 'secret-secret', host: '127.0.0.1' });
    for (let i = 0; i < 100; i++) {
      const id = newSocketId();
      expect(id).toMatch(/^[1-9]\d*\.[1-9]\d*$/);
      expect(isSocketId(id)).toBe(true);
      expect(() => sdk.authorizeChannel(id, 'private-x')).not.toThrow();
    }
  });

  it('do not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, newSocketId));
    expect(ids.size).toBe(1000);
  });

  it.each(['', '1', '1.', '.1', '1.2.3', 'a.b', ' 1.2', '1.2\n', 1.2])('refuses %j', (value) => {
    expect(isSocketId(value)).toBe(false);
  });
});
