import type { JournalEntry } from '../src/journal.js';

/* Shared by the bus contract's files. */

/** An entry without its id, as the tests compare them. */
export const record = ({ id: _id, ...rest }: JournalEntry) => rest;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function waitFor<T>(items: T[], count: number, timeoutMs = 3000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (items.length >= count) return resolve(items);
      if (Date.now() - started > timeoutMs) {
        return reject(new Error(`timed out with ${items.length}/${count} items`));
      }
      setTimeout(check, 5);
    };
    check();
  });
}

