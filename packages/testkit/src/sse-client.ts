import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { waitUntil } from './wait.js';

const open = new Set<SseReader>();

/**
 * An SSE (or error) response read over plain node:http (which sends every header
 * as given, unlike fetch) and parsed with eventsource-parser, an outside parser.
 */
export class SseReader {
  readonly events: EventSourceMessage[] = [];
  readonly comments: string[] = [];
  readonly retries: number[] = [];
  raw = '';
  ended = false;
  /** The response finished cleanly (terminating chunk), not cut off. */
  complete = false;
  status = 0;
  headers: IncomingHttpHeaders = {};
  readonly #request: ClientRequest;

  private constructor(request: ClientRequest) {
    this.#request = request;
  }

  /**
   * Resolves once the response head arrives, i.e. the subscription is live.
   * `localAddress` picks the source address (another 127.0.0.x is another client).
   */
  static open(url: string, headers: Record<string, string> = {}, options: { localAddress?: string } = {}): Promise<SseReader> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers }, localAddress: options.localAddress });
      const reader = new SseReader(request);
      const parser = createParser({
        onEvent: (event) => reader.events.push(event),
        onComment: (comment) => reader.comments.push(comment),
        onRetry: (ms) => reader.retries.push(ms),
      });
      request.on('response', (response) => {
        reader.status = response.statusCode ?? 0;
        reader.headers = response.headers;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          reader.raw += chunk;
          parser.feed(chunk);
        });
        const done = () => {
          reader.ended = true;
          open.delete(reader);
        };
        response.on('end', () => {
          reader.complete = true;
          done();
        });
        response.on('close', done);
        response.on('error', done);
        open.add(reader);
        resolve(reader);
      });
      request.on('error', (err) => {
        reader.ended = true;
        reject(err);
      });
      request.end();
    });
  }

  /** Opens `url` resuming after `lastEventId` (sent as Last-Event-ID) when given. */
  static resume(url: string, lastEventId?: string): Promise<SseReader> {
    return SseReader.open(url, lastEventId === undefined ? {} : { 'last-event-id': lastEventId });
  }

  /** Events that carry an id (not `reset`). */
  get ids(): string[] {
    return this.events.filter((e) => e.id !== undefined).map((e) => e.id!);
  }

  /** The id of the newest event that carried one. */
  get lastEventId(): string | undefined {
    return this.ids.at(-1);
  }

  waitForEvents(count: number, what = `${count} events`): Promise<EventSourceMessage[]> {
    return waitUntil(() => this.events.length >= count && this.events, { intervalMs: 5, message: what });
  }

  waitForEnd(): Promise<true> {
    return waitUntil(() => this.ended, { intervalMs: 5, message: 'the stream to end' });
  }

  /** The JSON body of an error response. */
  async json(): Promise<unknown> {
    await this.waitForEnd();
    return JSON.parse(this.raw);
  }

  close(): void {
    this.#request.destroy();
  }
}

/** For afterAll: closes every SSE stream still open. */
export function closeAllSseClients(): void {
  for (const reader of open) reader.close();
}
