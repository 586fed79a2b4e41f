import { randomBytes } from 'node:crypto';
import type { ChatMessage, ClientMessage, JoinedMessage, ServerMessage, WelcomeMessage } from '@herald/protocol';
import WebSocket, { type ClientOptions } from 'ws';
import { waitUntil } from './wait.js';

export type ServerType = ServerMessage['type'];
/** The server frame of one `type`, as @herald/protocol declares it. */
export type FrameOf<T extends ServerType> = Extract<ServerMessage, { type: T }>;

export interface Closed {
  code: number;
  reason: string;
}

const WAIT_MS = 20_000;
const open = new Set<ChatTestClient>();

/**
 * A `ws` client of the gateway. Every frame lands in `received` (the whole log) and
 * in `frames` (a queue: `next` takes a frame out, so a test can wait for the next
 * one of a type while the others stay queued). Raw (seed) clients get plain text,
 * kept in `texts`.
 */
export class ChatTestClient {
  readonly received: ServerMessage[] = [];
  readonly frames: ServerMessage[] = [];
  readonly texts: string[] = [];
  readonly closed: Promise<Closed>;
  closeCode: number | undefined;
  connectionId = '';
  #wake: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      this.texts.push(text);
      try {
        const frame = JSON.parse(text) as ServerMessage;
        this.received.push(frame);
        this.frames.push(frame);
      } catch {
        // raw clients receive plain text; kept in `texts` only
      }
      this.#notify();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeCode = code;
        open.delete(this);
        resolve({ code, reason: reason.toString() });
        this.#notify();
      });
    });
    ws.on('error', () => {});
    open.add(this);
  }

  /** Opens `url` as is (any path, query and headers); rejects with the status on a refused upgrade. */
  static async connect(url: string, options: ClientOptions = {}): Promise<ChatTestClient> {
    const ws = new WebSocket(url, options);
    const client = new ChatTestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  /** Connects to `/ws` as `name`, takes the welcome frame and, with `room`, joins it. */
  static async join(base: string, name: string, room?: string): Promise<{ client: ChatTestClient; welcome: WelcomeMessage }> {
    const client = await ChatTestClient.connect(`${base}/ws?name=${encodeURIComponent(name)}`);
    const welcome = await client.next('welcome');
    client.connectionId = welcome.connectionId;
    if (room !== undefined) await client.joinRoom(room);
    return { client, welcome };
  }

  /** Connects to `/ws` as `name` and takes the welcome frame. */
  static async named(base: string, name: string): Promise<ChatTestClient> {
    return (await ChatTestClient.join(base, name)).client;
  }

  get isClosed(): boolean {
    return this.closeCode !== undefined;
  }

  send(message: ClientMessage | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.ws.send(data, options);
  }

  /** Takes the first queued frame of `type` (one of them, if several) out of `frames`, waiting for it. */
  async next<T extends ServerType>(
    type: T | T[],
    where: (frame: FrameOf<T>) => boolean = () => true,
    timeoutMs = WAIT_MS,
  ): Promise<FrameOf<T>> {
    const types: ServerType[] = Array.isArray(type) ? type : [type];
    const found = () => {
      const i = this.frames.findIndex((f) => types.includes(f.type) && where(f as FrameOf<T>));
      return i === -1 ? undefined : (this.frames.splice(i, 1)[0] as FrameOf<T>);
    };
    return this.#waitFor(found, `a ${types.join('/')} frame`, timeoutMs);
  }

  /** Takes the first plain-text frame equal to `text` (raw clients). */
  async nextText(text: string, timeoutMs = WAIT_MS): Promise<string> {
    const found = () => {
      const i = this.texts.indexOf(text);
      return i === -1 ? undefined : this.texts.splice(i, 1)[0];
    };
    return this.#waitFor(found, `the text ${JSON.stringify(text)}`, timeoutMs);
  }

  /** The first frame of the whole log from index `from` on that matches; fails once the socket closed. */
  async find(match: (f: ServerMessage) => boolean, from = 0, timeoutMs = WAIT_MS): Promise<ServerMessage> {
    return waitUntil(
      () => {
        const found = this.received.slice(from).find(match);
        if (!found && this.isClosed) throw new Error(`connection closed (${this.closeCode}) while waiting`);
        return found;
      },
      { timeoutMs, message: 'a frame' },
    );
  }

  /** How many queued (not taken) frames of `type` match. */
  count<T extends ServerType>(type: T, where: (frame: FrameOf<T>) => boolean = () => true): number {
    return this.frames.filter((f) => f.type === type && where(f as FrameOf<T>)).length;
  }

  /** Joins `room` (resuming after `since`) and resolves with its `joined` frame. */
  async joinRoom(room: string, since?: string): Promise<JoinedMessage> {
    const mark = this.received.length;
    this.send(since === undefined ? { type: 'join', room } : { type: 'join', room, since });
    const joined = (await this.find((f) => f.type === 'joined' && f.room === room, mark)) as JoinedMessage;
    const queued = this.frames.indexOf(joined);
    if (queued !== -1) this.frames.splice(queued, 1);
    return joined;
  }

  /** Sends a message; resolves with its id from the ack, rejects on an error frame. */
  async say(room: string, text: string): Promise<string> {
    const ref = randomBytes(6).toString('hex');
    const mark = this.received.length;
    this.send({ type: 'send', room, text, ref });
    const reply = await this.find((f) => (f.type === 'ack' || f.type === 'error') && f.ref === ref, mark);
    if (reply.type === 'error') throw new Error(`send refused: ${reply.code} ${reply.message}`);
    return (reply as FrameOf<'ack'>).id;
  }

  /** Every message of `room` received so far. */
  messages(room: string): ChatMessage[] {
    return this.received.filter((f): f is ChatMessage => f.type === 'message' && f.room === room);
  }

  /** A clean close (1000), resolved once the socket is closed. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    if (this.ws.readyState !== WebSocket.CLOSED) await this.closed;
  }

  /** The TCP connection drops, no close handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  async #waitFor<T>(found: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = found();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; have: ${this.texts.slice(-5).join(' | ')}`);
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

/** For afterAll: drops every chat client still open. */
export function closeAllChatClients(): void {
  for (const client of open) client.terminate();
}

/** The HTTP status an upgrade attempt gets: 101 when it opens, else the refusal's, with its body. */
export async function upgradeStatus(url: string, options: ClientOptions = {}): Promise<{ status: number; body: string }> {
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
