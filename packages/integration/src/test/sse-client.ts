import { createParser } from 'eventsource-parser';

export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

const open = new Set<TestSseClient>();

/** An SSE reader over fetch: records events; `ended` when the server ends the stream. */
export class TestSseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  ended = false;
  readonly #abort = new AbortController();

  private constructor() {}

  /** Resolves once the response head arrived, i.e. the subscription is live. */
  static async open(url: string, lastEventId?: string): Promise<TestSseClient> {
    const client = new TestSseClient();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const res = await fetch(url, { headers, signal: client.#abort.signal });
    client.status = res.status;
    if (res.status !== 200 || !res.body) {
      await res.arrayBuffer().catch(() => undefined);
      client.ended = true;
      return client;
    }
    open.add(client);
    const parser = createParser({
      onEvent: (e) => client.events.push({ id: e.id, event: e.event, data: e.data }),
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // Aborted or reset: ended either way.
      } finally {
        client.ended = true;
        open.delete(client);
      }
    })();
    return client;
  }

  /** The id of the newest event that carried one. */
  get lastEventId(): string | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const id = this.events[i]!.id;
      if (id) return id;
    }
    return undefined;
  }

  close(): void {
    this.#abort.abort();
  }
}

export function closeAllSseClients(): void {
  for (const client of open) client.close();
}

/** POST /publish from loopback; the id on 202, undefined on any refusal. */
export async function publish(base: string, topic: string, data: unknown): Promise<string | undefined> {
  try {
    const res = await fetch(`${base}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic, data }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => ({}))) as { id?: string };
    return res.status === 202 && typeof body.id === 'string' ? body.id : undefined;
  } catch {
    return undefined;
  }
}
