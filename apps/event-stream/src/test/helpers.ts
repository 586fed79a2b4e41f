import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { MemoryBus, type Bus } from '@herald/bus';
import { createMetrics, type Metrics } from '@herald/server-kit';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { readStreamConfig } from '../config.js';

export interface TestServer {
  app: FastifyInstance;
  bus: Bus;
  memoryBus: MemoryBus;
  metrics: Metrics;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/**
 * The app on a real socket (port 0) over a MemoryBus. `wrapBus` lets a test put a
 * double in front of the bus (for example to slow history down).
 */
export async function startServer(
  env: Record<string, string> = {},
  wrapBus: (bus: MemoryBus) => Bus = (bus) => bus,
): Promise<TestServer> {
  const config = readStreamConfig({ LOG_LEVEL: 'silent', ...env });
  const memoryBus = new MemoryBus({ historySize: config.historySize });
  const bus = wrapBus(memoryBus);
  const metrics = createMetrics('event-stream', { defaultMetrics: false });
  const app = buildApp({ config, bus, metrics });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  let closed = false;
  return {
    app,
    bus,
    memoryBus,
    metrics,
    url,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await bus.close();
    },
  };
}

/** Polls until `check` returns something truthy; fails with `what` after the timeout. */
export async function waitFor<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function metricValue(metrics: Metrics, name: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
}

/** An SSE (or error) response read over plain node:http and parsed with eventsource-parser. */
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

  /** Resolves once the response head arrives. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } });
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
        };
        response.on('end', () => {
          reader.complete = true;
          done();
        });
        response.on('close', done);
        response.on('error', done);
        resolve(reader);
      });
      request.on('error', (err) => {
        reader.ended = true;
        reject(err);
      });
      request.end();
    });
  }

  /** Events that carry an id (not `reset`). */
  get ids(): string[] {
    return this.events.filter((e) => e.id !== undefined).map((e) => e.id!);
  }

  waitForEvents(count: number, what = `${count} events`): Promise<EventSourceMessage[]> {
    return waitFor(() => this.events.length >= count && this.events, what);
  }

  waitForEnd(): Promise<true> {
    return waitFor(() => this.ended, 'the stream to end');
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

export interface PublishAnswer {
  id?: string;
  ids?: string[];
  error?: { code: string; message: string };
}

/** POST /publish from loopback; returns status and parsed body. */
export async function publish(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: PublishAnswer }> {
  const response = await fetch(`${url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as PublishAnswer };
}

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A plain node:http request: unlike fetch it sends Origin and other headers as given. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}
