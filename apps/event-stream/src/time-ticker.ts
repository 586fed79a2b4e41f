import { IdClock, type BusEvent, type Listener, type Subscription } from '@herald/bus';
import { TIME_TOPIC } from '@herald/protocol';

const READY: Promise<void> = Promise.resolve();

/**
 * The built-in `time` topic: `{"message":"<ISO time>"}` every interval, from one
 * timer that runs only while someone listens (the seed started one per client and
 * never cleared it). It stays local to this instance, so two instances on Redis do
 * not tick twice into a shared topic; ids have the bus's `<ms>-<seq>` shape so
 * Last-Event-ID works, but there is no history: a resume simply continues.
 */
export class TimeTicker {
  readonly #intervalMs: number;
  readonly #clock = new IdClock();
  #timer: NodeJS.Timeout | undefined;
  #listener: Listener<BusEvent> | undefined;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** The hub holds the only subscription, shared by every local `time` stream. */
  subscribe(topic: string, listener: Listener<BusEvent>): Subscription {
    if (topic !== TIME_TOPIC) throw new Error(`the ticker only serves "${TIME_TOPIC}", not "${topic}"`);
    if (this.#listener) throw new Error('the time ticker already has a subscriber');
    this.#listener = listener;
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    return { ready: READY, unsubscribe: () => this.#stop(listener) };
  }

  #tick(): void {
    const ts = Date.now();
    const data = JSON.stringify({ message: new Date(ts).toISOString() });
    this.#listener?.({ id: this.#clock.next(), topic: TIME_TOPIC, data, ts });
  }

  #stop(listener: Listener<BusEvent>): void {
    if (this.#listener !== listener) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#listener = undefined;
  }
}
