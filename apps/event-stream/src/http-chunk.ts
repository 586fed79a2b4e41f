const CRLF = Buffer.from('\r\n');
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
