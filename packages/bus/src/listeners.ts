import type { Listener } from './bus.js';

/**
 * Listener sets keyed by topic. A throwing listener is isolated so one bad
 * subscriber cannot stop delivery to the others.
 */
export class ListenerMap<T> {
  readonly #map = new Map<string, Set<Listener<T>>>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  add(key: string, listener: Listener<T>): () => void {
    let set = this.#map.get(key);
    if (!set) {
      set = new Set();
      this.#map.set(key, set);
    }
    set.add(listener);
    return () => {
      const current = this.#map.get(key);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.#map.delete(key);
    };
  }

  emit(key: string, value: T): void {
    const set = this.#map.get(key);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(value);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** Number of keys with at least one listener. */
  get size(): number {
    return this.#map.size;
  }

  /** Listeners across every key (for leak checks and metrics). */
  get listenerCount(): number {
    let n = 0;
    for (const set of this.#map.values()) n += set.size;
    return n;
  }

  clear(): void {
    this.#map.clear();
  }
}
