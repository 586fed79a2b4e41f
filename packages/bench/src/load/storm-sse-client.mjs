// A storm client over SSE: one topic on a raw socket (like sse-stream.mjs, lean enough
// for thousands in one process); after every end it opens the stream again on gateway
// B with `Last-Event-ID` = the last id it got.
import net from 'node:net';
import { StormClient } from './storm-client.mjs';
import { dechunker, sseRequest } from './sse-stream.mjs';

const CONNECT_TIMEOUT_MS = 30_000;

export class StormSseClient extends StormClient {
  constructor(set, index, room) {
    super(set, index, room);
    this.socket = null;
  }

  connect(port) {
    this.attempting();
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: this.set.localAddress });
    socket.once('connect', () => this.step('tcp'));
    this.socket = socket;
    socket.setNoDelay(true);
    let head = '';
    let feed = null;
    let status = 'no answer';
    let rest = '';
    const timer = setTimeout(() => {
      this.failed(`no answer within ${CONNECT_TIMEOUT_MS} ms`);
      socket.destroy();
    }, CONNECT_TIMEOUT_MS);
    const onEvents = (text) => {
      rest += text;
      let end;
      while ((end = rest.indexOf('\n\n')) !== -1) {
        this.event(rest.slice(0, end));
        rest = rest.slice(end + 2);
      }
    };
    socket.on('error', (error) => this.failed(error.code ?? error.message));
    socket.on('close', () => {
      clearTimeout(timer);
      if (this.socket === socket) this.socket = null;
      this.dropped(status);
    });
    socket.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      if (feed) return feed(text);
      head += text;
      const at = head.indexOf('\r\n\r\n');
      if (at === -1) return;
      status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 'bad head';
      if (status !== '200') {
        this.error(`GET /sse answered ${status}: ${head.slice(at + 4, at + 200)}`);
        socket.destroy();
        return;
      }
      clearTimeout(timer);
      status = 'ended';
      const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head.slice(0, at));
      feed = chunked ? dechunker(onEvents, () => socket.destroy()) : onEvents;
      this.opened();
      feed(head.slice(at + 4));
    });
    const headers = this.lastId === undefined ? {} : { 'Last-Event-ID': this.lastId };
    socket.write(sseRequest(port, `/sse?topic=${this.room}`, headers));
  }

  /** One event block (no trailing blank line): `id:`, `event:`, `data:` lines; comments skipped. */
  event(block) {
    let id;
    let name;
    let data;
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) name = line.slice(7);
      else if (line.startsWith('data: ')) data = line.slice(6);
    }
    if (name === 'reset') {
      this.set.counts.resets++;
      return;
    }
    if (id === undefined) return;
    this.record(id);
    if (data !== undefined) this.set.onLive?.(data);
  }

  close() {
    this.socket?.destroy();
  }
}
