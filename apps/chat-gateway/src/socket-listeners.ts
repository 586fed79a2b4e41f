import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import type { Connection } from './connection.js';

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

interface UpgradedSocket {
  _socket?: (Socket & { _httpMessage?: ServerResponse | null }) | null;
}

/**
 * Tags `socket` with `conn` and installs the shared listeners. It also lets go of
 * the upgrade request: @fastify/websocket's own 'error' listener closes over the
 * Fastify request and reply, and the TCP socket keeps the ServerResponse made for
 * the upgrade (with the IncomingMessage, its headers and a child logger); held for
 * the socket's whole life that was about half of an idle connection's heap.
 */
export function attach(socket: WebSocket, conn: Connection, listeners: SharedListeners): void {
  (socket as Tagged)[CONNECTION] = conn;
  socket.removeAllListeners('error');
  socket.on('error', listeners.error);
  socket.on('pong', listeners.pong);
  socket.on('message', listeners.message);
  socket.on('close', listeners.close);
  const tcp = (socket as unknown as UpgradedSocket)._socket;
  const response = tcp?._httpMessage;
  if (tcp && response) response.detachSocket(tcp);
}
