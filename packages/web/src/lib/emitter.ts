type Handler<T> = (value: T) => void;

/**
 * A tiny typed event emitter. A throwing handler does not stop the others or the
 * client: its error is rethrown asynchronously so it still shows in the console.
 */
export class Emitter<Events extends object> {
  readonly #handlers = new Map<keyof Events, Set<Handler<never>>>();

  /** Returns a function that removes the handler. */
  on<K extends keyof Events>(name: K, handler: Handler<Events[K]>): () => void {
    let set = this.#handlers.get(name);
    if (!set) {
      set = new Set();
      this.#handlers.set(name, set);
    }
    set.add(handler as Handler<never>);
    return () => this.off(name, handler);
  }

  off<K extends keyof Events>(name: K, handler: Handler<Events[K]>): void {
    this.#handlers.get(name)?.delete(handler as Handler<never>);
  }

  protected emit<K extends keyof Events>(name: K, value: Events[K]): void {
    const set = this.#handlers.get(name);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as Handler<Events[K]>)(value);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
