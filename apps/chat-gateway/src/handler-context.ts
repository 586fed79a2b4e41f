import type { Metrics } from '@herald/server-kit';
import type { RawData } from 'ws';
import type { Hub } from './hub.js';

/** What the JSON and raw frame handlers share. */
export interface HandlerContext {
  hub: Hub;
  metrics: Metrics;
  maxMessageBytes: number;
}

/** `ws` hands over a Buffer by default; the other shapes are normalised, not trusted. */
export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
