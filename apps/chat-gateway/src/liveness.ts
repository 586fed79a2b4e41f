import { WebSocket } from 'ws';
import type { Connection } from './connection.js';

export interface Liveness {
  stop(): void;
}

/**
 * Finds dead peers with one timer for all sockets: each tick pings every
 * connection; one that has not answered the previous ping is terminated (its
 * 'close' then releases its presence). This also ends sockets stuck in a close
 * handshake with a peer that no longer reads.
 */
export function startLiveness(connections: Iterable<Connection>, intervalMs: number): Liveness {
  const sweep = () => {
    for (const conn of connections) {
      const socket = conn.socket;
      if (!conn.alive) {
        socket.terminate();
        continue;
      }
      conn.alive = false;
      if (socket.readyState === WebSocket.OPEN) socket.ping();
    }
  };
  // The verdict runs in the check phase, after this loop turn's I/O: a pong that
  // arrived while the process was stalled (CPU contention) is read before it.
  const timer = setInterval(() => setImmediate(sweep), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
