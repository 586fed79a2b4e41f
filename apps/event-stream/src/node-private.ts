import type { ServerResponse } from 'node:http';

/**
 * Every access of this app to internals of Node or Fastify, in one place. Each
 * saves memory or a copy per open stream; each degrades to the public path when
 * the internal is missing (`undefined` counts as `null`), and `fastPaths` counts
 * when it applied, so fence.integration.test.ts fails if an upgrade silently loses one.
 *
 * Checked against Node 20.20 (lib/_http_outgoing.js) and fastify 5.12
 * (lib/reply.js, onResFinished). Re-check both files when either moves.
 */

/** How often each fast path applied in this process (read by the fence test). */
export const fastPaths = {
  /** `_header` replaced by a flat copy. */
  headsFlattened: 0,
  /** Fastify's 'finish'/'error' listener removed from a hijacked response. */
  fastifyListenersReleased: 0,
  /** Pre-framed HTTP chunks written straight to the socket. */
  socketWrites: 0,
};

/**
 * Node keeps the head it sent as `_header` for the response's life (only to answer
 * `headersSent`), as the rope its header loop built by concatenation: about thirty
 * string pieces, ~1 KB per open stream. The same text as one flat string costs a
 * quarter of that. Headers are written as latin1, so the round trip is exact.
 */
export function flattenSentHead(res: ServerResponse): void {
  const internals = res as unknown as { _header?: unknown };
  if (typeof internals._header !== 'string') return;
  internals._header = Buffer.from(internals._header, 'latin1').toString('latin1');
  fastPaths.headsFlattened += 1;
}

/**
 * Fastify listens for the response's 'finish' and 'error' to log "request completed"
 * and run onResponse hooks; that listener holds the Fastify request and reply (and
 * a child logger) for as long as the stream is open. A hijacked SSE response only
 * finishes on a drain, so the stream lets go of them instead: about a kilobyte
 * less per idle stream. Fastify's listener is the one on both events; Node's own
 * 'finish' listener (keep-alive bookkeeping) must stay.
 */
export function releaseFastifyListeners(res: ServerResponse): void {
  const onError = new Set(res.listeners('error'));
  for (const listener of res.listeners('finish')) {
    if (!onError.has(listener)) continue;
    res.removeListener('finish', listener as (...args: unknown[]) => void);
    res.removeListener('error', listener as (...args: unknown[]) => void);
    fastPaths.fastifyListenersReleased += 1;
  }
}

/**
 * Writes `chunked` (bytes already framed as one HTTP chunk, see http-chunk.ts)
 * straight to the response's socket: one write, no per-response framing. Only
 * while the response owns its socket (not a pipelined response still queued behind
 * another), with its head sent and chunked encoding on (not HTTP/1.0); `chunkedEncoding`
 * is an undocumented field of OutgoingMessage. Returns false when it did not
 * apply: the caller then writes the unframed bytes through `res.write`. Both keep
 * call order on the one socket.
 */
export function writeChunkToSocket(res: ServerResponse, chunked: Buffer): boolean {
  const socket = res.socket;
  if (socket == null || !res.headersSent || (res as { chunkedEncoding?: boolean }).chunkedEncoding !== true) return false;
  socket.write(chunked);
  fastPaths.socketWrites += 1;
  return true;
}
