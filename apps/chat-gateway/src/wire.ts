import * as wsModule from 'ws';

/**
 * WebSocket frames built once and written as bytes. A broadcast frames its message
 * once and hands the same Buffer to every recipient, instead of `ws.send` framing
 * (and writing header and payload) once per socket.
 */

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}

// `Sender.frame` is a pure function of `ws` (exported by its ESM entry); @types/ws omits it.
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

// RFC 6455 section 5.2: a final, unmasked (server to client) text frame, no extension bits.
const TEXT_FRAME: FrameOptions = { fin: true, opcode: 0x1, mask: false, readOnly: true, rsv1: false };

/** A complete text frame (header and payload) in one Buffer. */
export function textFrame(payload: Buffer): Buffer {
  const [head, data] = Sender.frame(payload, TEXT_FRAME);
  if (data === undefined) return head!;
  return Buffer.concat([head!, data], head!.length + data.length);
}

/**
 * `textFrame(Buffer.from(text))` in one allocation: the UTF-8 is encoded straight
 * behind the header (RFC 6455 section 5.2: 7-bit length, or 126 + 16-bit, or
 * 127 + 64-bit), without the payload Buffer, the header Buffer and their concat.
 */
export function textFrameOf(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const head = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + length);
  frame[0] = 0x81;
  if (head === 2) {
    frame[1] = length;
  } else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, head, 'utf8');
  return frame;
}

/** The payload of a frame made by `textFrame` (for the fallback through `ws.send`). */
export function framePayload(frame: Buffer): Buffer {
  const length = frame[1]! & 0x7f;
  return frame.subarray(length === 126 ? 4 : length === 127 ? 10 : 2);
}
