import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/**
 * Every access of this app to internals of Node or Fastify, in one place. Each
 * saves memory or a copy per open stream; each degrades to the public path when
 * the internal is missing (`undefined` counts as `null`), and `fastPaths` counts
 * when it applied, so fence.integration.test.ts fails if an upgrade silently loses one.
 *
 * Checked against Node 20.20 (lib/_http_outgoing.js, lib/_http_server.js,
 * lib/_http_common.js) and fastify 5.12 (lib/reply.js, onResFinished). Re-check
 * those files when either moves.
 */

/** How often each fast path applied in this process (read by the fence test). */
export const fastPaths = {
  /** `_header` replaced by a flat copy. */
  headsFlattened: 0,
  /** Fastify's 'finish'/'error' listener removed from a hijacked response. */
  fastifyListenersReleased: 0,
  /** Pre-framed HTTP chunks written straight to the socket. */
  socketWrites: 0,
  /** Streams whose socket was taken from node:http after the head (takeOverSocket). */
  socketsTakenOver: 0,
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

/** node:http's own listeners on a connection's socket, by function name (lib/_http_server.js). */
const HTTP_SOCKET_LISTENERS: ReadonlyArray<readonly [event: string, name: string]> = [
  ['data', 'bound socketOnData'],
  ['end', 'bound socketOnEnd'],
  ['close', 'bound socketOnClose'],
  ['drain', 'bound socketOnDrain'],
  ['error', 'socketOnError'],
  ['timeout', 'socketOnTimeout'],
  ['resume', 'onSocketResume'],
  ['pause', 'onSocketPause'],
];

type FreeParser = (parser: unknown, req: unknown, socket: unknown) => void;
/** `_http_common` is a legacy module name Node still exports; freeParser is what an upgrade calls. */
const freeParser = (createRequire(import.meta.url)('_http_common') as { freeParser?: FreeParser }).freeParser;

type Listener = (...args: unknown[]) => void;

/** What node:http sets on each connection's socket that outlives its use once the parser is gone. */
interface HttpSocketExtras {
  on: unknown;
  addListener: unknown;
  prependListener: unknown;
  _peername?: unknown;
  _sockname?: unknown;
}

/**
 * node:http gives each socket three closures of its own for on/addListener/
 * prependListener (they unconsume the parser when someone listens for 'data'),
 * and request.ip left the peer address cached as an object. With the parser gone
 * the wrappers do nothing: the prototype's methods go back in the same slots (a
 * `delete` would turn the socket into a slower, larger dictionary object), and
 * the caches, which Node refills on demand, are cleared.
 */
function releaseSocketExtras(socket: Socket): void {
  const extras = socket as unknown as HttpSocketExtras;
  const proto = Object.getPrototypeOf(socket) as HttpSocketExtras;
  if (Object.hasOwn(extras, 'on')) extras.on = proto.on;
  if (Object.hasOwn(extras, 'addListener')) extras.addListener = proto.addListener;
  if (Object.hasOwn(extras, 'prependListener')) extras.prependListener = proto.prependListener;
  if (extras._peername !== undefined) extras._peername = undefined;
  if (extras._sockname !== undefined) extras._sockname = undefined;
}

/**
 * Takes the socket of a streaming response away from node:http, as Node does for
 * an upgrade (onParserExecuteCommon in lib/_http_server.js): http's listeners off
 * the socket, its parser given back to the pool, the response detached. Node
 * otherwise keeps the parser (with its native header slots), the IncomingMessage,
 * the ServerResponse and their bound listeners for the stream's whole life, only
 * to read a next request that an SSE connection never sends: ~2 KB per idle stream.
 *
 * From then on the caller owns the socket: it writes HTTP chunks itself, ends the
 * body with the last chunk and closes the connection (it cannot go back to
 * keep-alive), and listens for 'error' (nothing else does now). Whatever listened
 * for the response's 'close' listens for the socket's instead (that is when a
 * taken-over stream ends), called on the socket.
 *
 * Only for a chunked response with its head sent that owns its socket; returns
 * undefined, changing nothing, otherwise or when an internal is not where Node 20
 * keeps it.
 */
export function takeOverSocket(res: ServerResponse): Socket | undefined {
  const socket = res.socket as (Socket & { _httpMessage?: unknown; parser?: unknown }) | null;
  if (socket == null || freeParser === undefined || !res.headersSent) return undefined;
  if ((res as { chunkedEncoding?: boolean }).chunkedEncoding !== true || socket._httpMessage !== res || socket.parser == null) {
    return undefined;
  }
  const found: Array<[string, Listener]> = [];
  for (const [event, name] of HTTP_SOCKET_LISTENERS) {
    const listener = socket.listeners(event).find((fn) => fn.name === name);
    if (listener === undefined) return undefined;
    found.push([event, listener as Listener]);
  }
  for (const [event, listener] of found) socket.removeListener(event, listener);
  freeParser(socket.parser, res.req, socket);
  res.detachSocket(socket);
  releaseSocketExtras(socket);
  for (const listener of res.listeners('close')) {
    res.removeListener('close', listener as Listener);
    socket.once('close', listener as Listener);
  }
  fastPaths.socketsTakenOver += 1;
  return socket;
}
