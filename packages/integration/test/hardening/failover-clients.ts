import { chatSession, Loop, readSse } from '../resuming.js';
import { ChatTestClient, publishEvent, SseReader } from '@herald/testkit';

/**
 * Clients that behave like real ones when an instance dies: each knows several
 * instances, and whenever its connection ends it goes on to the next one,
 * resuming from the last id it saw. They count where they were connected.
 */
abstract class RotatingLoop extends Loop {
  /** Connections made, per base URL. */
  readonly connections = new Map<string, number>();
  #turn = 0;

  constructor(protected readonly bases: string[]) {
    super();
  }

  protected async round(): Promise<void> {
    const base = this.bases[this.#turn % this.bases.length]!;
    try {
      await this.roundOn(base);
    } finally {
      // Refused or cut off or not: the next instance, as a client would.
      this.#turn += 1;
    }
  }

  protected connected(base: string): void {
    this.connections.set(base, (this.connections.get(base) ?? 0) + 1);
  }

  protected abstract roundOn(base: string): Promise<void>;
}

/** Reads SSE topic `topic`, moving between instances with Last-Event-ID. */
export class FailoverSubscriber extends RotatingLoop {
  readonly ids: string[] = [];

  constructor(bases: string[], private readonly topic: string) {
    super(bases);
  }

  protected async roundOn(base: string): Promise<void> {
    const client = await SseReader.resume(`${base}/sse?topic=${this.topic}`, this.ids.at(-1));
    if (client.status !== 200) return;
    this.connected(base);
    await readSse(client, this.ids, () => this.stopped);
  }
}

/** POSTs to /publish, one at a time, taking turns over the instances; keeps the ids of the 202s. */
export class FailoverPublisher extends RotatingLoop {
  readonly acked: string[] = [];
  refused = 0;
  #n = 0;

  constructor(bases: string[], private readonly topic: string) {
    super(bases);
  }

  protected async roundOn(base: string): Promise<void> {
    this.connected(base);
    // A few publishes per instance, then the next one: traffic goes through all of them.
    for (let i = 0; i < 5 && !this.stopped; i++) {
      const id = await publishEvent(base, this.topic, { n: this.#n++ });
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
export class FailoverChatMember extends RotatingLoop {
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

  protected async roundOn(base: string): Promise<void> {
    const client = await ChatTestClient.named(base, this.name);
    await chatSession(client, this.room, this.sending, this, () => `n${this.#n++}`, () => this.connected(base));
  }
}
