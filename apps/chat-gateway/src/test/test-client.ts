import WebSocket, { type ClientOptions } from 'ws';

/** A frame as received: parsed JSON for `/ws`, plain text for raw clients. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Frame = Record<string, any>;

export interface Closed {
  code: number;
  reason: string;
}

const WAIT_MS = 15_000;

/**
 * A `ws` client that keeps every frame it receives and lets a test wait for the
 * next one of a given type (frames it does not ask for stay queued).
 */
export class TestClient {
  readonly frames: Frame[] = [];
  readonly texts: string[] = [];
  readonly closed: Promise<Closed>;
  #wake: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      if (isBinary) return;
      this.texts.push(text);
      try {
        this.frames.push(JSON.parse(text) as Frame);
      } catch {
        // raw clients receive plain text; kept in `texts` only
      }
      this.#notify();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#notify();
      });
    });
    ws.on('error', () => {});
  }

  static async connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options);
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  /** Connects to `/ws` and consumes the welcome frame. */
  static async join(base: string, name: string, room?: string): Promise<{ client: TestClient; welcome: Frame }> {
    const client = await TestClient.connect(`${base}/ws?name=${encodeURIComponent(name)}`);
    const welcome = await client.next('welcome');
    if (room !== undefined) {
      client.send({ type: 'join', room });
      await client.next('joined', (f) => f.room === room);
    }
    return { client, welcome };
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.ws.send(data, options);
  }

  /** Removes and returns the first frame of `type` (one of them, if several), waiting for it. */
  async next(type: string | string[], where: (frame: Frame) => boolean = () => true, timeoutMs = WAIT_MS): Promise<Frame> {
    const types = Array.isArray(type) ? type : [type];
    const found = () => {
      const i = this.frames.findIndex((f) => types.includes(f.type) && where(f));
      return i === -1 ? undefined : this.frames.splice(i, 1)[0];
    };
    return this.#waitFor(found, `a ${types.join('/')} frame`, timeoutMs);
  }

  /** Removes and returns the first plain-text frame equal to `text` (raw clients). */
  async nextText(text: string, timeoutMs = WAIT_MS): Promise<string> {
    const found = () => {
      const i = this.texts.indexOf(text);
      return i === -1 ? undefined : this.texts.splice(i, 1)[0];
    };
    return this.#waitFor(found, `the text ${JSON.stringify(text)}`, timeoutMs);
  }

  count(type: string, where: (frame: Frame) => boolean = () => true): number {
    return this.frames.filter((f) => f.type === type && where(f)).length;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }

  async #waitFor<T>(found: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = found();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${what}; have: ${this.texts.slice(-5).join(' | ')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.#wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
  }
}

/** The HTTP status an upgrade attempt gets: 101 when it opens, else the refusal's. */
export async function upgradeStatus(
  url: string,
  options: ClientOptions = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.once('error', (err) => reject(err));
  });
}
