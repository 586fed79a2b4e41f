import { describe, expect, it } from 'vitest';
import { decodeChatPayload, encodeChatPayload } from './chat-payload.js';

const alice = { id: 'alice', name: 'Alice' };

describe('chat payload', () => {
  it('decodes what it encodes, as canonical', () => {
    const data = encodeChatPayload('r1', { ...alice, extra: 1 } as typeof alice, 'hi "there"\n', 1700000000000);
    expect(decodeChatPayload(data, 'r1')).toEqual({
      payload: { room: 'r1', from: alice, text: 'hi "there"\n', ts: 1700000000000 },
      canonical: true,
    });
  });

  it('keeps only the known fields of a payload with extra ones, not canonical', () => {
    const data = JSON.stringify({ type: 'evil', room: 'r1', from: { ...alice, admin: true }, text: 't', ts: 1 });
    expect(decodeChatPayload(data, 'r1')).toEqual({ payload: { room: 'r1', from: alice, text: 't', ts: 1 }, canonical: false });
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '"text"'],
    ['an array', '[1]'],
    ['another room', encodeChatPayload('r2', alice, 't', 1)],
    ['no from', JSON.stringify({ room: 'r1', text: 't', ts: 1 })],
    ['a numeric text', JSON.stringify({ room: 'r1', from: alice, text: 5, ts: 1 })],
    ['no ts', JSON.stringify({ room: 'r1', from: alice, text: 't' })],
    ['an infinite ts', '{"room":"r1","from":{"id":"a","name":"a"},"text":"t","ts":1e999}'],
  ])('refuses a bus event that is %s', (_what, data) => {
    expect(decodeChatPayload(data, 'r1')).toBeUndefined();
  });
});
