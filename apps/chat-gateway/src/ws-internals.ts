import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket, WebSocketServer } from 'ws';

/**
 * The fence: every read or write of a private field of ws, @fastify/websocket,
 * Fastify or Node in the gateway is in this file, and nowhere else.
 *
 * Checked against ws 8.23.0, @fastify/websocket 11.3.6, fastify 5.12.8 and Node 20.20
 * and 24 (both pinned exactly in package.json: a version bump means reading
 * ws/lib/websocket.js and ws/lib/sender.js again). Each access degrades to the
 * public path when a field is missing (`undefined` is taken like `null`), and
 * `fenceStats` counts which path was taken so test/fence.integration.test.ts fails
 * when a new version silently turns a fast path off.
 */

/** How often each fast path was taken, or had to fall back (for the fence test and debugging). */
export const fenceStats = {
  rawWrites: 0,
  wsSends: 0,
  upgradesReleased: 0,
  upgradesKept: 0,
  /** Upgrades whose 101 was held until the wsHandler returned (see holdHandshakes). */
  handshakesHeld: 0,
};

/** The parts of a server-side `ws` WebSocket the raw write depends on (ws 8). */
interface WsInternals {
  _socket?: Socket | null;
  _sender?: { _state?: number; _queue?: unknown[] } | null;
}

/** ws 8's Sender state when nothing (deflate, a Blob read) is in progress. */
const SENDER_IDLE = 0;

/**
 * The net.Socket under `socket` when bytes written to it cannot interleave with a
 * frame of `ws` itself: no permessage-deflate (compressed frames set RSV1 and go
 * through an async queue; the public `extensions` says whether it was negotiated)
 * and nothing waiting in the sender's queue. Otherwise undefined, and the caller
 * goes through `ws.send`.
 */
export function rawSocketOf(socket: WebSocket): Socket | undefined {
  const ws = socket as unknown as WsInternals;
  const tcp = ws._socket ?? undefined;
  const sender = ws._sender ?? undefined;
  const idle = sender !== undefined && sender._state === SENDER_IDLE && sender._queue?.length === 0;
  if (tcp === undefined || !idle || socket.extensions !== '') {
    fenceStats.wsSends += 1;
    return undefined;
  }
  fenceStats.rawWrites += 1;
  return tcp;
}

interface UpgradedSocket {
  _socket?: (Socket & { _httpMessage?: ServerResponse | null }) | null;
}

/**
 * Lets go of the upgrade request: @fastify/websocket's own 'error' listener closes
 * over the Fastify request and reply, and the TCP socket keeps the ServerResponse
 * made for the upgrade (with the IncomingMessage, its headers and a child logger);
 * held for the socket's whole life that was about half of an idle connection's
 * heap. The caller installs its own 'error' listener right after.
 */
export function releaseUpgrade(socket: WebSocket): void {
  socket.removeAllListeners('error');
  const tcp = (socket as unknown as UpgradedSocket)._socket ?? undefined;
  const response = tcp?._httpMessage ?? undefined;
  if (tcp !== undefined && response !== undefined) {
    response.detachSocket(tcp);
    fenceStats.upgradesReleased += 1;
  } else {
    fenceStats.upgradesKept += 1;
  }
}

const HOLD = Symbol('herald.holdHandshake');
type Held = IncomingMessage & { [HOLD]?: 'asked' | Socket };

/**
 * Lets the first frame of a connection (the `welcome`) leave in the same write as
 * the 101: `ws` writes the 101 right after emitting 'headers' (ws/lib/websocket-
 * server.js completeUpgrade) and @fastify/websocket calls the route's wsHandler in
 * the same call, so corking the socket at 'headers' and uncorking it when the
 * wsHandler returns (releaseHandshake) turns two write syscalls, and two wake-ups
 * of the client, into one writev. Only upgrades marked by askToHoldHandshake are
 * corked, so a route whose handler does not release is never held.
 */
export function holdHandshakes(wss: WebSocketServer): void {
  wss.on('headers', (_headers, request: Held) => {
    const socket = request.socket as Socket | null | undefined;
    if (request[HOLD] !== 'asked' || socket === undefined || socket === null) return;
    socket.cork();
    request[HOLD] = socket;
  });
}

/** Marks an upgrade request whose wsHandler will call releaseHandshake. */
export function askToHoldHandshake(request: IncomingMessage): void {
  (request as Held)[HOLD] = 'asked';
}

/** Called as the wsHandler returns (or throws): writes the 101 and what was queued behind it. */
export function releaseHandshake(request: IncomingMessage): void {
  const held = (request as Held)[HOLD];
  if (held === undefined || held === 'asked') return;
  (request as Held)[HOLD] = undefined;
  if (held.writableCorked === 0) return;
  fenceStats.handshakesHeld += 1;
  held.uncork();
}
