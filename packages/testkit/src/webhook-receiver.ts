import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedHook {
  /** As Node gives them (lower-case names): what the pusher SDK's webhook() reads. */
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** What the receiver answered. */
  readonly status: number;
}

export interface WebhookReceiverOptions {
  /** Answer the first `failFirst` requests with 500 (a receiver that is down for a while). */
  failFirst?: number;
}

/**
 * A local HTTP endpoint that records every POST, for webhook tests: the body is kept
 * raw (signatures are over its exact bytes); validating is the test's job.
 */
export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  #server!: Server;
  #port = 0;
  #failuresLeft: number;

  private constructor(options: WebhookReceiverOptions) {
    this.#failuresLeft = options.failFirst ?? 0;
  }

  static async start(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(options);
    receiver.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const status = receiver.#failuresLeft > 0 ? 500 : 200;
        if (status !== 200) receiver.#failuresLeft -= 1;
        receiver.received.push({ headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again');
      });
    });
    await new Promise<void>((resolve) => receiver.#server.listen(0, '127.0.0.1', resolve));
    const address = receiver.#server.address();
    receiver.#port = typeof address === 'object' && address ? address.port : 0;
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/pusher/webhooks`;
  }

  /** Answer the next `count` requests with 500 (Infinity: until told otherwise; 0: stop failing). */
  failNext(count: number): void {
    this.#failuresLeft = count;
  }

  /** The requests answered 200, in arrival order. */
  get accepted(): ReceivedHook[] {
    return this.received.filter((r) => r.status === 200);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
