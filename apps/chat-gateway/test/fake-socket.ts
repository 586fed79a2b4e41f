import { MemoryBus } from '@herald/bus';
import { OPEN_ACCESS, type User } from '@herald/protocol';
import { createLogger, createMetrics } from '@herald/server-kit';
import type { WebSocket } from 'ws';
import { Connection, type ConnectionHooks } from '../src/connection.js';
import { Outbox } from '../src/outbox.js';

/**
 * A stand-in for the server side of a `ws` socket, for unit tests of Connection,
 * Room and RoomHub without sockets: it records what would have gone on the wire.
 * It has none of ws's private fields, so Connection takes its public path (ws.send).
 */
export class FakeSocket {
  readyState = 1;
  bufferedAmount = 0;
  paused = false;
  readonly sent: string[] = [];
  closedWith: { code: number; reason: string } | undefined;

  send(payload: Buffer): void {
    this.sent.push(payload.toString('utf8'));
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
    this.readyState = 2;
  }
  terminate(): void {
    this.readyState = 3;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  /** Every JSON frame sent so far, parsed. */
  json(): Array<Record<string, unknown>> {
    return this.sent.map((text) => JSON.parse(text) as Record<string, unknown>);
  }
}

export interface Harness {
  bus: MemoryBus;
  metrics: ReturnType<typeof createMetrics>;
  log: ReturnType<typeof createLogger>;
  hooks: ConnectionHooks;
  ended: Connection[];
  connect(user: User, options?: { seedMode?: boolean; id?: string }): { conn: Connection; socket: FakeSocket };
}

let next = 0;

export function harness(maxBufferedBytes = 1024 * 1024): Harness {
  const bus = new MemoryBus({ historySize: 100 });
  const metrics = createMetrics('chat-gateway', { defaultMetrics: false });
  const log = createLogger('silent');
  const ended: Connection[] = [];
  const hooks: ConnectionHooks = {
    maxBufferedBytes,
    outbox: new Outbox(),
    onEnd: (conn) => ended.push(conn),
    onSlow: () => metrics.slowConsumersClosed.inc(),
    onTaskError: (conn) => conn.end(1011, 'temporarily unavailable'),
  };
  return {
    bus,
    metrics,
    log,
    hooks,
    ended,
    connect(user, options = {}) {
      const socket = new FakeSocket();
      const conn = new Connection({
        id: options.id ?? `c${(next += 1)}`,
        grant: { user, access: OPEN_ACCESS, exp: undefined },
        socket: socket as unknown as WebSocket,
        seedMode: options.seedMode ?? false,
        limiter: undefined,
        hooks,
      });
      return { conn, socket };
    },
  };
}

/** Lets nextTick flushes and promise chains run. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
