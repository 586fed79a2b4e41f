import { randomBytes } from 'node:crypto';
import {
  deleteKeys as deleteKeysAt,
  REDIS_TEST_URL,
  redisAvailable as redisAvailableAt,
} from '@herald/bus/testing/redis-server';

export { REDIS_TEST_URL };

/** Whether Redis tests run: with CI set a missing Redis fails, locally they are skipped with a reason. */
export function redisAvailable(): Promise<boolean> {
  return redisAvailableAt(REDIS_TEST_URL);
}

export function uniquePrefix(label: string): string {
  return `herald-test:gw-${label}:${Date.now().toString(36)}${randomBytes(3).toString('hex')}:`;
}

/** Removes this run's keys (the prefix is unique, so only ours match). */
export function deleteKeys(prefix: string): Promise<void> {
  return deleteKeysAt(REDIS_TEST_URL, prefix);
}
