import { randomBytes } from 'node:crypto';

/** A key prefix of its own for one test run: the shared Redis is never flushed. */
export function uniquePrefix(label: string): string {
  return `herald-test:${label}:${Date.now().toString(36)}${randomBytes(3).toString('hex')}:`;
}
