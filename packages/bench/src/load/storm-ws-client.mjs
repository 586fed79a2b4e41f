// A storm client over the gateway's JSON protocol: joins one room, and after every
// reconnect joins it again with `since` = the last id it got, paging forward with
// `history after` when the `joined` was cut (as packages/web catch-up.ts does: live
// messages are held meanwhile, then the ones newer than the last page are kept).
import net from 'node:net';
import WebSocket from 'ws';
import { StormClient, compareIds } from './storm-client.mjs';

const CLIENT_OPTIONS = { perMessageDeflate: false, skipUTF8Validation: true };
// A browser waits as long as the TCP stack does; a hung handshake must still end here.
const HANDSHAKE_TIMEOUT_MS = 30_000;
const PAGE_LIMIT = 1000;
const PAGE_RETRY_MS = 1000;

export class StormWsClient extends StormClient {
  constructor(set, index, room) {
    super(set, index, room);
    this.ws = null;
    this.held = null;
  }

  connect(port) {
    this.attempting();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?name=storm${this.index}`, {
      ...CLIENT_OPTIONS,
      localAddress: this.set.localAddress,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      // ws's own netConnect, with the moment TCP connected noted.
      createConnection: (options) => {
        const socket = net.connect({ ...options, path: options.socketPath });
        socket.once('connect', () => this.step('tcp'));
        return socket;
      },
    });
    ws.once('upgrade', () => this.step('upgrade'));
    this.ws = ws;
    this.held = null;
    ws.on('error', (error) => this.failed(error.message));
    ws.on('message', (data) => this.frame(data));
    ws.on('close', (code) => {
      if (this.ws === ws) this.ws = null;
      this.dropped(code);
    });
  }

  send(frame) {
    this.ws?.send(JSON.stringify(frame));
  }

  frame(data) {
    // Presence is most of a storm's traffic and says nothing about delivery.
    if (data.indexOf('"type":"presence"') !== -1) return;
    const m = JSON.parse(data.toString());
    switch (m.type) {
      case 'welcome':
        this.step('welcome');
        this.send(this.lastId === undefined ? { type: 'join', room: this.room } : { type: 'join', room: this.room, since: this.lastId });
        return;
      case 'joined':
        if (m.recovered === false && this.lastId !== undefined) this.set.counts.notRecovered++;
        for (const message of m.history) this.record(message.id);
        if (m.more && this.readyAt !== null) {
          this.held = [];
          this.askPage();
        } else {
          this.opened();
        }
        return;
      case 'history':
        for (const message of m.messages) this.record(message.id);
        if (m.more) this.askPage();
        else this.finishPaging();
        return;
      case 'message':
        if (m.room !== this.room) return;
        if (this.held) this.held.push(m.id);
        else this.delivered(m);
        return;
      case 'error':
        this.error(data.toString());
        // A page refused while catching up is asked for again, as the web client does.
        if (this.held && m.code === 'rate_limited') setTimeout(() => this.askPage(), PAGE_RETRY_MS);
        return;
      default:
    }
  }

  /** A live message: recorded (the probe also reads its stamp). */
  delivered(m) {
    this.record(m.id);
    this.set.onLive?.(m.text);
  }

  askPage() {
    this.send({ type: 'history', room: this.room, after: this.lastId, limit: PAGE_LIMIT });
  }

  finishPaging() {
    const held = this.held ?? [];
    this.held = null;
    for (const id of held) if (this.lastId === undefined || compareIds(id, this.lastId) > 0) this.record(id);
    this.opened();
  }

  close() {
    this.ws?.terminate();
  }
}
