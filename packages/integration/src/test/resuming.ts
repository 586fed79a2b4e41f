import { TestChatClient } from './chat-client.js';
import { publish, TestSseClient } from './sse-client.js';
import { sleep } from './wait.js';

/**
 * Background loops that keep going through an outage the way real clients do:
 * reconnect, resume from the last id seen, count what they got.
 */
abstract class Loop {
  #stopped = false;
  #done: Promise<void> | undefined;

  get stopped(): boolean {
    return this.#stopped;
  }

  start(): this {
    this.#done = (async () => {
      while (!this.#stopped) {
        try {
          await this.round();
        } catch {
          // Refused or cut off: try again, as a client would.
        }
        if (!this.#stopped) await sleep(100);
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }

  protected abstract round(): Promise<void>;
}

/** An SSE subscriber that reconnects with Last-Event-ID whenever its stream ends. */
export class ResumingSseSubscriber extends Loop {
  readonly ids: string[] = [];
  connections = 0;

  constructor(private readonly url: string) {
    super();
  }

  protected async round(): Promise<void> {
    const client = await TestSseClient.open(this.url, this.ids.at(-1));
    if (client.status !== 200) return;
    this.connections += 1;
    let cursor = 0;
    while (!client.ended && !this.stopped) {
      for (; cursor < client.events.length; cursor++) {
        const id = client.events[cursor]!.id;
        if (id) this.ids.push(id);
      }
      await sleep(20);
    }
    for (; cursor < client.events.length; cursor++) {
      const id = client.events[cursor]!.id;
      if (id) this.ids.push(id);
    }
    client.close();
  }
}

/** POSTs to /publish one at a time; keeps the ids of the 202s. */
export class Publisher extends Loop {
  readonly acked: string[] = [];
  refused = 0;
  #n = 0;

  constructor(
    private readonly base: string,
    private readonly topic: string,
  ) {
    super();
  }

  protected async round(): Promise<void> {
    while (!this.stopped) {
      const id = await publish(this.base, this.topic, { n: this.#n++ });
      if (id === undefined) {
        this.refused += 1;
        return;
      }
      this.acked.push(id);
    }
  }
}

/**
 * A chat member that sends (recording acks) and receives; when its connection is
 * closed it reconnects and joins again with `since` = the last message it saw.
 */
export class ResumingChatMember extends Loop {
  readonly received: string[] = [];
  readonly acked: string[] = [];
  refused = 0;
  #n = 0;

  constructor(
    private readonly ws: string,
    private readonly name: string,
    private readonly room: string,
    private readonly sending: boolean,
  ) {
    super();
  }

  protected async round(): Promise<void> {
    const client = await TestChatClient.connect(this.ws, this.name);
    try {
      const joined = await client.join(this.room, this.received.at(-1));
      const at = client.frames.findIndex((f) => f.type === 'joined');
      for (const m of joined.history) this.received.push(m.id);
      let cursor = at + 1;
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
      // What arrived before the close still counts.
      drain();
    } finally {
      await client.close().catch(() => undefined);
    }
  }
}
