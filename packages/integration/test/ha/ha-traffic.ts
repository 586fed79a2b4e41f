import { ChatClient, type ClientError } from '@herald/web';
import { sleep, SseReader, type PublishAnswer } from '@herald/testkit';
import WebSocket from 'ws';

/*
 * The clients of the failover suite. Each keeps what it was told (acks, refusals,
 * events, resets) tagged with the phase of the run, for the checks to compare.
 */

export type Phase = 'before' | 'cut' | 'switch' | 'after';

/** The run's current phase, shared by every client of one run. */
export class Clock {
  phase: Phase = 'before';
}

export interface Acked {
  id: string;
  /** What was published: the SSE `n` or the chat text. */
  payload: string;
  phase: Phase;
}

/** Traffic stays bounded: one request in flight per client, and a pause between them. */
const PAUSE_MS = 25;

/** POSTs `{"n"}` to /publish, one at a time, taking turns over the event streams. */
export class SsePublisher {
  readonly acked: Acked[] = [];
  /** Answers other than 202: status and body, for the check against the documented error. */
  readonly refusals: Array<{ status: number; body: PublishAnswer; retryAfter: string | null; phase: Phase }> = [];
  /** No HTTP answer at all (never expected: the services stay up). */
  readonly failures: string[] = [];
  #stopped = false;
  #done: Promise<void> | undefined;

  constructor(
    private readonly bases: string[],
    private readonly topic: string,
    private readonly clock: Clock,
  ) {}

  start(): this {
    this.#done = this.#run();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }

  async #run(): Promise<void> {
    for (let n = 0; !this.#stopped; n++) {
      const base = this.bases[n % this.bases.length]!;
      const phase = this.clock.phase;
      try {
        const response = await fetch(`${base}/publish`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ topic: this.topic, data: { n } }),
          signal: AbortSignal.timeout(30_000),
        });
        const body = (await response.json()) as PublishAnswer;
        if (response.status === 202 && typeof body.id === 'string') this.acked.push({ id: body.id, payload: String(n), phase });
        else this.refusals.push({ status: response.status, body, retryAfter: response.headers.get('retry-after'), phase });
      } catch (err) {
        this.failures.push(`${phase} ${base}: ${String(err)}`);
      }
      await sleep(PAUSE_MS);
    }
  }
}

export interface Received {
  id: string;
  payload: string;
}

/**
 * An SSE subscriber that reopens its stream with Last-Event-ID whenever it ends;
 * `leave()` closes it for a while, `comeBack()` resumes from the last id it saw.
 */
export class SseFollower {
  readonly received: Received[] = [];
  /** The data of every `reset` event. */
  readonly resets: string[] = [];
  #running = false;
  #done: Promise<void> | undefined;
  #reader: SseReader | undefined;

  constructor(private readonly url: string) {}

  get lastId(): string | undefined {
    return this.received.at(-1)?.id;
  }

  start(): this {
    this.#running = true;
    this.#done = this.#run();
    return this;
  }

  async leave(): Promise<void> {
    this.#running = false;
    this.#reader?.close();
    await this.#done;
  }

  comeBack(): this {
    return this.start();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        const reader = await SseReader.resume(this.url, this.lastId);
        this.#reader = reader;
        let cursor = 0;
        while (this.#running && !(reader.ended && cursor === reader.events.length)) {
          for (; cursor < reader.events.length; cursor++) {
            const event = reader.events[cursor]!;
            if (event.event === 'reset') this.resets.push(event.data);
            else if (event.id !== undefined) this.received.push({ id: event.id, payload: String((JSON.parse(event.data) as { n: unknown }).n) });
          }
          await sleep(20);
        }
        reader.close();
      } catch {
        // Refused or cut off: again, as EventSource would.
      }
      if (this.#running) await sleep(100);
    }
  }
}

/**
 * A chat member on the real web ChatClient: it rejoins with `since` after any drop,
 * and retries sends refused with `unavailable`. Every `error` frame the gateway sent
 * is kept (a refused send is retried inside send(), so its refusals are seen here).
 */
export class ChatMember {
  readonly client: ChatClient;
  readonly received: Received[] = [];
  readonly acked: Acked[] = [];
  /** Sends that failed for good (after their retries). */
  readonly gaveUp: Array<{ code: string; message: string; phase: Phase }> = [];
  readonly errorFrames: Array<{ code: string; message: string; phase: Phase }> = [];
  /** `missed` events: a rejoin that could not replay everything (`recovered:false`). */
  readonly missed: Array<string | undefined> = [];
  #talking = false;
  #done: Promise<void> | undefined;

  constructor(
    url: string,
    readonly name: string,
    private readonly room: string,
    private readonly clock: Clock,
  ) {
    const frames = this.errorFrames;
    class RecordingWebSocket extends WebSocket {
      constructor(address: string) {
        super(address);
        this.on('message', (data: Buffer) => {
          const frame = JSON.parse(data.toString()) as { type: string; code?: string; message?: string };
          if (frame.type === 'error') frames.push({ code: String(frame.code), message: String(frame.message), phase: clock.phase });
        });
      }
    }
    this.client = new ChatClient({
      url: `${url}/ws`,
      name,
      WebSocket: RecordingWebSocket,
      backoff: { initialMs: 100, maxMs: 1_000, factor: 2 },
      ackTimeoutMs: 20_000,
      // Enough tries to outlast a WAIT=1 switch (until the old master is back as a replica).
      sendAttempts: 40,
      resendAfterDrop: true,
    });
    this.client.on('message', (m) => this.received.push({ id: m.id, payload: m.text }));
    this.client.on('missed', (m) => this.missed.push(m.since));
    this.client.on('error', () => {});
  }

  async join(): Promise<this> {
    this.client.connect();
    await this.client.join(this.room);
    return this;
  }

  /** Sends `<name> <n>` one at a time until stopTalking(). */
  talk(): this {
    this.#talking = true;
    this.#done = (async () => {
      let n = 0;
      while (this.#talking) {
        // Between connections (a drop mid-switch): send() would refuse at once.
        if (this.client.state.state !== 'open') {
          await sleep(50);
          continue;
        }
        const text = `${this.name} ${n++}`;
        const phase = this.clock.phase;
        try {
          this.acked.push({ id: await this.client.send(this.room, text), payload: text, phase });
        } catch (err) {
          const e = err as ClientError;
          this.gaveUp.push({ code: e.code, message: e.message, phase });
        }
        await sleep(PAUSE_MS);
      }
    })();
    return this;
  }

  async stopTalking(): Promise<void> {
    this.#talking = false;
    await this.#done;
  }

  /** Disconnects, keeping where each room stands; comeBack() rejoins with `since`. */
  leave(): void {
    this.client.close();
  }

  comeBack(): void {
    this.client.connect();
  }

  close(): void {
    this.#talking = false;
    this.client.close();
  }
}
