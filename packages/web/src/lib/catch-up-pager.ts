import { HISTORY_LIMIT_MAX, type ChatMessage, type HistoryMessage, type HistoryRequest, type JoinedMessage } from '@herald/protocol';
import { CatchUp } from './catch-up.js';
import type { ClientError } from './errors.js';

/** After `rate_limited` on a catch-up page (a reconnect rejoining many rooms at once). */
const PAGE_RETRY_MS = 1_000;

/** What paging needs of ChatClient. */
export interface PagerHost {
  readonly ackTimeoutMs: number;
  /** The last message delivered in `room`. */
  lastId(room: string): string | undefined;
  nextRef(): string;
  write(frame: HistoryRequest): void;
  deliver(message: ChatMessage): void;
  /** A page said `recovered:false`: messages after the last delivered one were lost. */
  missed(room: string): void;
  /** Paging is over: the room's join is complete. */
  done(room: string, joined: JoinedMessage): void;
  failed(room: string, error: ClientError): void;
}

/**
 * The paging of rejoins whose `joined` was cut: asks `history after` the last
 * delivered id until `more:false`, then delivers the live messages CatchUp held.
 */
export class CatchUpPager {
  readonly #rooms = new CatchUp();

  constructor(private readonly host: PagerHost) {}

  start(joined: JoinedMessage): void {
    this.#rooms.start(joined);
    this.#ask(joined.room);
  }

  hold(message: ChatMessage): boolean {
    return this.#rooms.hold(message);
  }

  roomOf(ref: string): string | undefined {
    return this.#rooms.roomOf(ref);
  }

  drop(room: string): void {
    this.#rooms.drop(room);
  }

  clear(): void {
    this.#rooms.clear();
  }

  paged(room: string, page: HistoryMessage): void {
    if (page.recovered === false) this.host.missed(room);
    for (const m of page.messages) this.host.deliver(m);
    if (page.more) this.#ask(room);
    else this.#finish(room);
  }

  /** A page request was refused: `rate_limited` waits and asks again; anything else ends the catch-up. */
  refused(room: string, error: ClientError): void {
    if (error.code === 'rate_limited') {
      this.#rooms.asked(room, undefined, setTimeout(() => this.#ask(room), PAGE_RETRY_MS));
      return;
    }
    this.#rooms.drop(room);
    this.host.failed(room, error);
  }

  /** Asks for the next page after the last delivered message of the room. */
  #ask(room: string): void {
    const after = this.host.lastId(room);
    if (after === undefined) return this.#finish(room);
    const ref = this.host.nextRef();
    // No reply in time: ask again (a late reply to this ref is then ignored).
    this.#rooms.asked(room, ref, setTimeout(() => this.#ask(room), this.host.ackTimeoutMs));
    this.host.write({ type: 'history', room, after, limit: HISTORY_LIMIT_MAX, ref });
  }

  #finish(room: string): void {
    const done = this.#rooms.finish(room, this.host.lastId(room));
    if (done === undefined) return;
    for (const m of done.live) this.host.deliver(m);
    this.host.done(room, done.joined);
  }
}
