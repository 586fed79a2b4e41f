import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { waitUntil } from './wait.js';

/** A server frame, as parsed JSON. */
export interface Frame {
  type: string;
  [key: string]: unknown;
}

export interface MessageFrame extends Frame {
  type: 'message';
  room: string;
  id: string;
  text: string;
  from: { id: string; name: string };
}

export interface JoinedFrame extends Frame {
  type: 'joined';
  room: string;
  members: Array<{ id: string; name: string }>;
  history: MessageFrame[];
  recovered: boolean;
}

const open = new Set<TestChatClient>();

/** A scripted `/ws` client that records every frame it receives. */
export class TestChatClient {
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  connectionId = '';
  readonly #socket: WebSocket;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame));
    socket.on('close', (code) => {
      this.closeCode = code;
      open.delete(this);
    });
    socket.on('error', () => {});
    open.add(this);
  }

  static async connect(wsBase: string, name: string): Promise<TestChatClient> {
    const socket = new WebSocket(`${wsBase}/ws?name=${encodeURIComponent(name)}`);
    const client = new TestChatClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    const welcome = await client.next((f) => f.type === 'welcome');
    client.connectionId = String(welcome.connectionId);
    return client;
  }

  get closed(): boolean {
    return this.closeCode !== undefined;
  }

  send(message: object): void {
    this.#socket.send(JSON.stringify(message));
  }

  /** The first frame from index `from` on that matches. */
  async next(match: (f: Frame) => boolean, from = 0, timeoutMs = 20_000): Promise<Frame> {
    let found: Frame | undefined;
    await waitUntil(
      () => {
        found = this.frames.slice(from).find(match);
        if (!found && this.closed) throw new Error(`connection closed (${this.closeCode}) while waiting`);
        return found !== undefined;
      },
      timeoutMs,
      'a frame',
    );
    return found!;
  }

  async join(room: string, since?: string): Promise<JoinedFrame> {
    const mark = this.frames.length;
    this.send(since === undefined ? { type: 'join', room } : { type: 'join', room, since });
    return (await this.next((f) => f.type === 'joined' && f.room === room, mark)) as JoinedFrame;
  }

  /** Sends a message; resolves with its id from the ack, rejects on an error frame. */
  async say(room: string, text: string): Promise<string> {
    const ref = randomBytes(6).toString('hex');
    const mark = this.frames.length;
    this.send({ type: 'send', room, text, ref });
    const reply = await this.next((f) => (f.type === 'ack' || f.type === 'error') && f.ref === ref, mark);
    if (reply.type === 'error') throw new Error(`send refused: ${String(reply.code)} ${String(reply.message)}`);
    return String(reply.id);
  }

  messages(room: string): MessageFrame[] {
    return this.frames.filter((f): f is MessageFrame => f.type === 'message' && f.room === room);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const done = new Promise((r) => this.#socket.once('close', r));
    this.#socket.close(1000);
    await done;
  }

  /** The TCP connection drops, no close handshake. */
  terminate(): void {
    this.#socket.terminate();
  }
}

export function closeAllChatClients(): void {
  for (const client of open) client.terminate();
}
