import type { RawData, WebSocket } from 'ws';
import type { Connection } from './connection.js';
import { releaseUpgrade } from './ws-internals.js';

/**
 * Socket event listeners shared by every connection of a gateway: one function
 * per event for all sockets, finding its connection through a tag on the socket,
 * instead of three or four closures (and their context) per socket.
 */
export interface SharedListeners {
  pong(this: WebSocket): void;
  message(this: WebSocket, data: RawData, isBinary: boolean): void;
  close(this: WebSocket): void;
  error(this: WebSocket, err: Error): void;
}

const CONNECTION = Symbol('herald.connection');
type Tagged = WebSocket & { [CONNECTION]?: Connection };

/** The connection of a socket given to `attach`. */
export function connectionOf(socket: WebSocket): Connection {
  return (socket as Tagged)[CONNECTION]!;
}

/** Tags `socket` with `conn`, lets go of the upgrade request (see ws-internals.ts) and installs the shared listeners. */
export function attach(socket: WebSocket, conn: Connection, listeners: SharedListeners): void {
  (socket as Tagged)[CONNECTION] = conn;
  releaseUpgrade(socket);
  socket.on('error', listeners.error);
  socket.on('pong', listeners.pong);
  socket.on('message', listeners.message);
  socket.on('close', listeners.close);
}
