import type { Socket } from 'node:net';

const CRLF = Buffer.from('\r\n');
/** The zero-size chunk that ends a chunked body (no trailers). */
export const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
const NOTHING = Buffer.alloc(0);

/**
 * `data` as one HTTP/1.1 chunk (RFC 9112 section 7.1): size in hex, CRLF, data, CRLF.
 * Built once for bytes every stream receives (a batch, the heartbeat), so each
 * stream costs one socket write instead of Node framing the same chunk per response.
 * Empty data frames to nothing: a zero-size chunk would end the body.
 */
export function httpChunk(data: Buffer): Buffer {
  if (data.length === 0) return NOTHING;
  const head = Buffer.from(`${data.length.toString(16)}\r\n`, 'latin1');
  return Buffer.concat([head, data, CRLF], head.length + data.length + CRLF.length);
}

/**
 * Writes `data` to `socket` as one HTTP chunk without copying it: size line, data
 * and CRLF corked into one writev (what OutgoingMessage does for res.write).
 */
export function writeChunk(socket: Socket, data: Buffer | string): void {
  const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  if (size === 0) return;
  socket.cork();
  socket.write(`${size.toString(16)}\r\n`, 'latin1');
  socket.write(data);
  socket.write(CRLF);
  socket.uncork();
}
