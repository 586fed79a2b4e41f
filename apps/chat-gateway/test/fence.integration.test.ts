import { afterEach, describe, expect, it } from 'vitest';
import { fenceStats } from '../src/ws-internals.js';
import { closeAll, member, startGateway } from './gateway.js';

// The gateway's speed rests on private fields of ws and Node (src/ws-internals.ts).
// If a new version renames one, everything still works through the public path, only
// slower: this test is what notices.
afterEach(closeAll);

const snapshot = () => ({ ...fenceStats });

describe('fast paths on real upgraded sockets', () => {
  it('lets go of every upgrade request', async () => {
    const gateway = await startGateway();
    const before = snapshot();
    await member(gateway, 'alice');
    await member(gateway, 'bob');
    expect(fenceStats.upgradesReleased - before.upgradesReleased).toBe(2);
    expect(fenceStats.upgradesKept - before.upgradesKept).toBe(0);
  });

  it('holds each 101 until its wsHandler has written the welcome, and lets it go', async () => {
    const gateway = await startGateway();
    const before = snapshot();
    const alice = await member(gateway, 'alice');
    await member(gateway, 'bob', 'fence');
    expect(fenceStats.handshakesHeld - before.handshakesHeld).toBe(2);
    // Released: later frames still flow.
    await alice.joinRoom('fence');
  });

  it('writes broadcasts straight to the TCP socket, never through ws.send', async () => {
    const gateway = await startGateway();
    const alice = await member(gateway, 'alice', 'fence');
    const bob = await member(gateway, 'bob', 'fence');
    const before = snapshot();
    for (let i = 0; i < 5; i++) await alice.say('fence', `m${i}`);
    await bob.find((f) => f.type === 'message' && f.text === 'm4');
    expect(fenceStats.rawWrites - before.rawWrites).toBeGreaterThanOrEqual(5);
    expect(fenceStats.wsSends - before.wsSends).toBe(0);
  });
});
