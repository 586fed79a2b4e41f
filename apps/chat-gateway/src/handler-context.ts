import type { Metrics } from '@herald/server-kit';
import type { RawData } from 'ws';
import type { GatewayAuth } from './auth.js';
import type { RoomHub } from './room-hub.js';

/** What the JSON and seed-mode frame handlers share. */
export interface HandlerContext {
  hub: RoomHub;
  metrics: Metrics;
  maxMessageBytes: number;
  /** undefined when auth is off (a `refresh` is then refused). */
  auth: GatewayAuth | undefined;
}

/** `ws` hands over a Buffer by default; the other shapes are normalised, not trusted. */
export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
