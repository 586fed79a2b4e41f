import { connect, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { createParser } from 'eventsource-parser';

/* Clients for the limit probes: one that never reads, one that reads ids only. */

/**
 * Sends `head` (a whole HTTP request) and never reads a byte: the socket is paused
 * before anything arrives, so the server's writes back up into its own buffers once
 * the kernel's are full. Resolves once the request went out.
 */
export function neverReading(port: number, head: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.pause();
    socket.once('error', reject);
    socket.once('connect', () => socket.write(head, () => resolve(socket)));
  });
}

/** An SSE GET that never reads, resuming after `lastEventId`. */
export function neverReadingStream(port: number, topics: readonly string[], lastEventId: string): Promise<Socket> {
  return neverReading(
    port,
    `GET /sse?topic=${topics.join(',')} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nLast-Event-ID: ${lastEventId}\r\n\r\n`,
  );
}

/**
 * An SSE stream read for its ids only (the data is dropped as it is parsed), so a
 * test process can read hundreds of MiB without holding them.
 */
export class IdReader {
  readonly ids: string[] = [];
  readonly named: string[] = [];
  ended = false;

  static open(url: string, headers: Record<string, string> = {}): Promise<IdReader> {
    const reader = new IdReader();
    return new Promise((resolve, reject) => {
      const parser = createParser({
        onEvent: (event) => {
          if (event.id !== undefined) reader.ids.push(event.id);
          if (event.event !== undefined) reader.named.push(event.event);
        },
      });
      const request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } });
      request.on('response', (response) => {
        if (response.statusCode !== 200) return reject(new Error(`SSE answered ${response.statusCode}`));
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => parser.feed(chunk));
        response.on('close', () => (reader.ended = true));
        resolve(reader);
      });
      request.on('error', reject);
      request.end();
      reader.#close = () => request.destroy();
    });
  }

  #close: () => void = () => {};

  close(): void {
    this.#close();
  }
}
