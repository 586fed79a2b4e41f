import { ChatTestClient, publishEvent, sleep, SseReader } from '@herald/testkit';

/**
 * Background loops that keep going through an outage the way real clients do:
 * reconnect, resume from the last id seen, count what they got.
 */
export abstract class Loop {
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
    const client = await SseReader.resume(this.url, this.ids.at(-1));
    if (client.status !== 200) return;
    this.connections += 1;
    await readSse(client, this.ids, () => this.stopped);
  }
}

/** Reads an open SSE connection until it ends (or `stopped()`), keeping each event id; then closes it. */
export async function readSse(client: SseReader, ids: string[], stopped: () => boolean): Promise<void> {
  let cursor = 0;
  const drain = () => {
    for (; cursor < client.events.length; cursor++) {
      const id = client.events[cursor]!.id;
      if (id) ids.push(id);
    }
  };
  while (!client.ended && !stopped()) {
    drain();
    await sleep(20);
  }
  drain();
  client.close();
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
      const id = await publishEvent(this.base, this.topic, { n: this.#n++ });
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
    await chatSession(await ChatTestClient.named(this.ws, this.name), this.room, this.sending, this, () => `n${this.#n++}`);
  }
}

/** What a resuming chat member keeps across its connections. */
export interface ChatTally {
  readonly received: string[];
  readonly acked: string[];
  refused: number;
  readonly stopped: boolean;
}

/**
 * One connection of a resuming chat member: joins `room` with `since` = the last
 * id received, then sends `text()` (if `sending`) or waits, recording what comes,
 * until the connection closes or the member stops; then closes it.
 */
export async function chatSession(
  client: ChatTestClient,
  room: string,
  sending: boolean,
  tally: ChatTally,
  text: () => string,
  onJoined: () => void = () => undefined,
): Promise<void> {
  try {
    const joined = await client.joinRoom(room, tally.received.at(-1));
    onJoined();
    for (const m of joined.history) tally.received.push(m.id);
    let cursor = client.received.indexOf(joined) + 1;
    const drain = () => {
      for (; cursor < client.received.length; cursor++) {
        const f = client.received[cursor]!;
        if (f.type === 'message' && f.room === room) tally.received.push(String(f.id));
      }
    };
    while (!client.isClosed && !tally.stopped) {
      if (sending) {
        try {
          tally.acked.push(await client.say(room, text()));
        } catch {
          tally.refused += 1;
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
