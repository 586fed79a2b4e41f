import { describe, expect, it } from 'vitest';
import { decodeChatPayload, encodeChatPayload } from '@herald/protocol';
import { historyFrame, joinedFrame, messageFrame, uniqueUsers } from './frames.js';

const alice = { id: 'alice', name: 'Alice' };

describe('chat frames', () => {
  it('splices a canonical payload into the message frame', () => {
    const data = encodeChatPayload('r1', alice, 'hi "there"\n', 1700000000000);
    const decoded = decodeChatPayload(data, 'r1');
    expect(decoded?.canonical).toBe(true);
    const frame = messageFrame('1700000000000-3', data, decoded!);
    expect(frame.startsWith('{"type":"message","id":"1700000000000-3",')).toBe(true);
    expect(JSON.parse(frame)).toEqual({
      type: 'message',
      room: 'r1',
      id: '1700000000000-3',
      from: alice,
      text: 'hi "there"\n',
      ts: 1700000000000,
    });
  });

  it('rebuilds a payload with extra fields so they cannot override the frame', () => {
    const data = JSON.stringify({ type: 'evil', id: 'x', room: 'r1', from: { ...alice, admin: true }, text: 't', ts: 1 });
    const decoded = decodeChatPayload(data, 'r1');
    expect(decoded?.canonical).toBe(false);
    expect(JSON.parse(messageFrame('5-0', data, decoded!))).toEqual({
      type: 'message',
      room: 'r1',
      id: '5-0',
      from: alice,
      text: 't',
      ts: 1,
    });
  });

  it('builds joined with history frames and deduplicated members', () => {
    const members = uniqueUsers([
      { user: alice },
      { user: { id: 'bob', name: 'Bob' } },
      { user: { id: 'alice', name: 'Alice (tab 2)' } },
    ]);
    const history = ['{"type":"message","id":"1-0"}', '{"type":"message","id":"2-0"}'];
    expect(JSON.parse(joinedFrame('r1', members, history, false, true))).toEqual({
      type: 'joined',
      room: 'r1',
      members: [alice, { id: 'bob', name: 'Bob' }],
      history: [
        { type: 'message', id: '1-0' },
        { type: 'message', id: '2-0' },
      ],
      recovered: false,
      more: true,
    });
    expect(JSON.parse(joinedFrame('r1', [], [], true, false))).toMatchObject({ history: [], recovered: true, more: false });
  });

  it('frames a history reply: messages as given, recovered only when false, ref when given', () => {
    const messages = ['{"type":"message","id":"1-0"}'];
    expect(JSON.parse(historyFrame('r1', messages, true, true))).toEqual({ type: 'history', room: 'r1', messages: [{ type: 'message', id: '1-0' }], more: true });
    expect(JSON.parse(historyFrame('r1', [], false, false, 'h1'))).toEqual({ type: 'history', room: 'r1', messages: [], more: false, recovered: false, ref: 'h1' });
  });
});
