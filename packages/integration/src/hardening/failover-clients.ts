import { TestChatClient } from '../test/chat-client.js';
import { publish, TestSseClient } from '../test/sse-client.js';
import { sleep } from '../test/wait.js';

/**
 * Clients that behave like real ones when an instance dies: each knows several
 * instances, and whenever its connection ends it goes on to the next one,
 * resuming from the last id it saw. They count where they were connected.
 */
abstract class Loop {
  #stopped = false;
  #done: Promise<void> | undefined;
  /** Connections made, per base URL. */
  readonly connections = new Map<string, number>();
  #turn = 0;

  constructor(protected readonly bases: string[]) {}

  get stopped(): boolean {
    return this.#stopped;
  }

  start(): this {
    this.#done = (async () => {
      while (!this.#stopped) {
        const base = this.bases[this.#turn % this.bases.length]!;
        try {
          await this.round(base);
        } catch {
          // Refused or cut off: the next instance, as a client would.
        }
        this.#turn += 1;
        if (!this.#stopped) await sleep(100);
      }
    })();
    return this;
  }

  protected connected(base: string): void {
    this.connections.set(base, (this.connections.get(base) ?? 0) + 1);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }

  protected abstract round(base: string): Promise<void>;
}

/** Reads SSE topic `topic`, moving between instances with Last-Event-ID. */
export class FailoverSubscriber extends Loop {
  readonly ids: string[] = [];

  constructor(bases: string[], private readonly topic: string) {
    super(bases);
  }

  protected async round(base: string): Promise<void> {
    const client = await TestSseClient.open(`${base}/sse?topic=${this.topic}`, this.ids.at(-1));
    if (client.status !== 200) return;
    this.connected(base);
    let cursor = 0;
    const drain = () => {
      for (; cursor < client.events.length; cursor++) {
        const id = client.events[cursor]!.id;
        if (id) this.ids.push(id);
      }
    };
    while (!client.ended && !this.stopped) {
      drain();
      await sleep(20);
    }
    drain();
    client.close();
  }
}

/** POSTs to /publish, one at a time, taking turns over the instances; keeps the ids of the 202s. */
export class FailoverPublisher extends Loop {
  readonly acked: string[] = [];
  refused = 0;
  #n = 0;

  constructor(bases: string[], private readonly topic: string) {
    super(bases);
  }

  protected async round(base: string): Promise<void> {
    this.connected(base);
    // A few publishes per instance, then the next one: traffic goes through all of them.
    for (let i = 0; i < 5 && !this.stopped; i++) {
      const id = await publish(base, this.topic, { n: this.#n++ });
      if (id === undefined) {
        this.refused += 1;
        return;
      }
      this.acked.push(id);
    }
  }
}

/**
 * A chat member that sends (keeping the acked ids) or only reads; when its
 * connection ends it joins on the next instance with `since` = the last id seen.
 */
export class FailoverChatMember extends Loop {
  readonly received: string[] = [];
  readonly acked: string[] = [];
  refused = 0;
  #n = 0;

  constructor(
    bases: string[],
    private readonly name: string,
    private readonly room: string,
    private readonly sending: boolean,
  ) {
    super(bases);
  }

  protected async round(base: string): Promise<void> {
    const client = await TestChatClient.connect(base, this.name);
    try {
      const joined = await client.join(this.room, this.received.at(-1));
      this.connected(base);
      for (const m of joined.history) this.received.push(m.id);
      let cursor = client.frames.indexOf(joined) + 1;
      const drain = () => {
        for (; cursor < client.frames.length; cursor++) {
          const f = client.frames[cursor]!;
          if (f.type === 'message' && f.room === this.room) this.received.push(String(f.id));
        }
      };
      while (!client.closed && !this.stopped) {
        if (this.sending) {
          try {
            this.acked.push(await client.say(this.room, `n${this.#n++}`));
          } catch {
            this.refused += 1;
          }
        } else {
          await sleep(20);
        }
        drain();
      }
      drain();
    } finally {
      await client.close().catch(() => undefined);
    }
  }
}
