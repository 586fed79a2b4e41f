// What every storm client shares, WebSocket or SSE: the ids it received for its room,
// and the web client's reconnect schedule (packages/web: Backoff with DEFAULT_BACKOFF,
// full jitter, reset once a connection has been open DEFAULT_STABLE_AFTER_MS).
import { performance } from 'node:perf_hooks';
import { Backoff, DEFAULT_BACKOFF } from '@herald/web';

// packages/web/src/lib/connection-state.ts DEFAULT_STABLE_AFTER_MS (not exported by the package).
const STABLE_AFTER_MS = 5_000;

/** Epoch ms with sub-ms resolution, comparable between the bench's processes. */
export const epochNow = () => performance.timeOrigin + performance.now();

/** Counters of one load process's clients, sent to the coordinator as they are. */
export function newCounts() {
  return { ready: 0, dropped: 0, back: 0, droppedAgain: 0, attempts: 0, closeCodes: {}, connectErrors: {}, notRecovered: 0, resets: 0, errors: 0, firstError: null };
}

/** Compares message ids `<ms>-<seq>` numerically (packages/protocol ids.ts). */
export function compareIds(a, b) {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/**
 * One client of the storm. Subclasses connect (`connect(port)`), call `opened()` once
 * the room is theirs again (WS: `joined`; SSE: the 200 head) and `dropped(code)` when
 * the connection is gone; every reconnect goes to `set.reconnectPort` (gateway B).
 */
export class StormClient {
  constructor(set, index, room) {
    this.set = set;
    this.index = index;
    this.room = room;
    this.ids = [];
    this.lastId = undefined;
    this.backoff = new Backoff({ ...DEFAULT_BACKOFF, initialMs: set.backoffMs ?? DEFAULT_BACKOFF.initialMs });
    this.readyAt = null;
    this.droppedAt = null;
    this.backAt = null;
    this.stableTimer = undefined;
    // The attempt in progress: when it started and when each step of it was reached (epoch ms).
    this.attempt = null;
    // The steps of the attempt that brought this client back on B.
    this.backSteps = null;
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
  }

  record(id) {
    this.ids.push(id);
    this.lastId = id;
  }

  opened() {
    clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => this.backoff.reset(), STABLE_AFTER_MS);
    const counts = this.set.counts;
    if (this.readyAt === null) {
      this.readyAt = epochNow();
      counts.ready++;
      this.resolveReady();
    } else if (this.droppedAt !== null && this.backAt === null) {
      this.backAt = epochNow();
      this.backSteps = { ...this.attempt, back: this.backAt };
      counts.back++;
    }
  }

  dropped(code) {
    clearTimeout(this.stableTimer);
    const counts = this.set.counts;
    if (this.set.stopping) return;
    if (this.readyAt === null) {
      this.rejectReady(new Error(`client ${this.index}: connection ended (${code}) before it was ready`));
      return;
    }
    counts.closeCodes[code] = (counts.closeCodes[code] ?? 0) + 1;
    if (this.droppedAt === null) {
      this.droppedAt = epochNow();
      counts.dropped++;
    } else if (this.backAt !== null) {
      counts.droppedAgain++;
    }
    counts.attempts++;
    setTimeout(() => {
      if (!this.set.stopping) this.connect(this.set.reconnectPort);
    }, this.backoff.next());
  }

  /** Starts timing an attempt; `step(name)` marks how far it got. */
  attempting() {
    this.attempt = { start: epochNow() };
  }

  step(name) {
    if (this.attempt) this.attempt[name] ??= epochNow();
  }

  /**
   * Why a connection attempt (or connection) failed, addresses and ports left out so alike
   * reasons add up, and whether TCP had connected (a full accept queue leaves the client
   * connected but unanswered until the server accepts).
   */
  failed(reason) {
    const where = this.attempt?.tcp === undefined ? 'before TCP connect' : 'after TCP connect';
    const key = `${where}: ${String(reason)}`.replace(/\d+\.\d+\.\d+\.\d+(:\d+)?/g, '<addr>').slice(0, 120);
    const errors = this.set.counts.connectErrors;
    errors[key] = (errors[key] ?? 0) + 1;
  }

  error(text) {
    const counts = this.set.counts;
    counts.errors++;
    counts.firstError ??= text.slice(0, 200);
  }
}
