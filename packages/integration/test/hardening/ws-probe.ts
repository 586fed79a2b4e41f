import WebSocket from 'ws';
import { waitUntil } from '@herald/testkit';

export interface Frame {
  type: string;
  [key: string]: unknown;
}

/** How an upgrade attempt ended: the probe, or the HTTP status it was refused with. */
export type Upgrade = { ok: true; probe: WsProbe } | { ok: false; status: number; body: string };

/**
 * A WebSocket client for hostile input: sends any text or bytes (also bytes that
 * are not UTF-8, marked as text), keeps every frame it gets, and reads them in
 * order with `next()`. Non-JSON frames (raw mode) are kept as `{type:"text"}`.
 */
export class WsProbe {
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  #cursor = 0;
  readonly #wake = new Set<() => boolean>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const text = data.toString();
      try {
        if (isBinary) throw new Error('binary');
        this.frames.push(JSON.parse(text) as Frame);
      } catch {
        this.frames.push({ type: 'text', text });
      }
      this.#notify();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.#notify();
    });
    socket.on('error', () => {});
  }

  static async open(url: string, maxPayload = 256 * 1024 * 1024): Promise<Upgrade> {
    const socket = new WebSocket(url, { maxPayload });
    const probe = new WsProbe(socket);
    return new Promise<Upgrade>((resolve, reject) => {
      socket.once('open', () => resolve({ ok: true, probe }));
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ ok: false, status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ ok: false, status: res.statusCode ?? 0, body }));
      });
      socket.once('error', reject);
    });
  }

  /** Opens and fails the test when the upgrade is refused. */
  static async connect(url: string): Promise<WsProbe> {
    const result = await WsProbe.open(url);
    if (!result.ok) throw new Error(`upgrade to ${url} refused: ${result.status} ${result.body}`);
    return result.probe;
  }

  #notify(): void {
    for (const check of [...this.#wake]) check();
  }

  get closed(): boolean {
    return this.closeCode !== undefined;
  }

  sendText(text: string): void {
    this.socket.send(text);
  }

  /** Any bytes; `binary: false` sends them in a text frame whether or not they are UTF-8. */
  sendBytes(bytes: Buffer, binary: boolean): void {
    this.socket.send(bytes, { binary });
  }

  /**
   * The next frame not read yet (skipping those `skip` matches). Woken by each
   * frame rather than polled: the corpus reads thousands of replies in a row.
   */
  next(skip: (f: Frame) => boolean = () => false, timeoutMs = 20_000): Promise<Frame> {
    return new Promise<Frame>((resolve, reject) => {
      const check = (): boolean => {
        while (this.#cursor < this.frames.length) {
          const frame = this.frames[this.#cursor++]!;
          if (!skip(frame)) {
            done();
            resolve(frame);
            return true;
          }
        }
        if (this.closed) {
          done();
          reject(new Error(`closed (${this.closeCode}) while waiting for a frame`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#wake.delete(check);
      };
      if (!check()) this.#wake.add(check);
    });
  }

  async waitClosed(timeoutMs = 20_000): Promise<number> {
    await waitUntil(() => this.closed, { timeoutMs: timeoutMs, message: 'the connection to close' });
    return this.closeCode!;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.socket.close(1000);
    await this.waitClosed().catch(() => this.socket.terminate());
  }
}
