import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { FrameJoiner } from './outbox.js';
import { framePayload, textFrame, textFrameOf } from './wire.js';

interface ReceiverLike {
  on(event: 'message', listener: (data: Buffer, binary: boolean) => void): void;
  write(chunk: Buffer): void;
}
// ws exports its Receiver from its ESM entry; @types/ws does not declare it.
const { Receiver } = wsModule as unknown as { Receiver: new (options: { isServer: boolean }) => ReceiverLike };

/** Parses frames the way a client does (ws's own Receiver, client side: unmasked input). */
function receive(bytes: Buffer): Array<{ text: string; binary: boolean }> {
  const out: Array<{ text: string; binary: boolean }> = [];
  const receiver = new Receiver({ isServer: false });
  receiver.on('message', (data: Buffer, binary: boolean) => out.push({ text: data.toString(), binary }));
  receiver.write(bytes);
  return out;
}

describe('textFrame', () => {
  // Each length crosses one of RFC 6455's three length encodings (7-bit, 16-bit, 64-bit).
  for (const length of [0, 1, 125, 126, 65_535, 65_536, 200_000]) {
    it(`frames ${length} bytes as one final unmasked text frame`, () => {
      const payload = Buffer.alloc(length, 'x');
      const frame = textFrame(payload);
      expect(frame[0]).toBe(0x81);
      expect(frame[1]! & 0x80).toBe(0);
      expect(receive(frame)).toEqual([{ text: payload.toString(), binary: false }]);
      expect(framePayload(frame).equals(payload)).toBe(true);
    });
  }

  it('frames UTF-8 by bytes, not characters', () => {
    const text = 'héllo 👋';
    expect(receive(textFrame(Buffer.from(text)))).toEqual([{ text, binary: false }]);
  });
});

describe('textFrameOf', () => {
  for (const length of [0, 1, 125, 126, 65_535, 65_536, 200_000]) {
    it(`gives the very bytes of textFrame for ${length} bytes`, () => {
      const text = 'y'.repeat(length);
      const frame = textFrameOf(text);
      expect(frame.equals(textFrame(Buffer.from(text)))).toBe(true);
      expect(receive(frame)).toEqual([{ text, binary: false }]);
    });
  }

  it('counts the length in UTF-8 bytes, across the 126-byte boundary too', () => {
    // 41 four-byte characters and one ASCII: 165 bytes, 83 UTF-16 code units.
    for (const text of ['héllo 👋', `${'👋'.repeat(41)}x`]) {
      expect(textFrameOf(text).equals(textFrame(Buffer.from(text)))).toBe(true);
      expect(receive(textFrameOf(text))).toEqual([{ text, binary: false }]);
    }
  });
});

describe('FrameJoiner', () => {
  it('joins frames back to back, each still parsed on its own', () => {
    const frames = ['a', 'bb', 'c'.repeat(300)].map((t) => textFrame(Buffer.from(t)));
    const joined = new FrameJoiner().join(frames);
    expect(receive(joined).map((m) => m.text)).toEqual(['a', 'bb', 'c'.repeat(300)]);
  });

  it('hands out one Buffer again for the same frames, a new one for others', () => {
    const a = textFrame(Buffer.from('a'));
    const b = textFrame(Buffer.from('b'));
    const joiner = new FrameJoiner();
    const first = joiner.join([a, b]);
    expect(joiner.join([a, b])).toBe(first);
    const other = joiner.join([b, a]);
    expect(other).not.toBe(first);
    expect(receive(other).map((m) => m.text)).toEqual(['b', 'a']);
    expect(joiner.join([a])).toBe(a);
  });
});
