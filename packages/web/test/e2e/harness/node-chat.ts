import WebSocket from 'ws';
import { waitFor } from './wait.js';

/**
 * A bare `ws` chat client speaking the gateway protocol by hand, independent of
 * the library under test.
 */
export async function nodeChatClient(url: string, name: string) {
  const socket = new WebSocket(`${url}?name=${encodeURIComponent(name)}`);
  const frames: Array<Record<string, unknown>> = [];
  socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await waitFor(`${name} welcomed`, () => frames.some((f) => f.type === 'welcome'));
  let refs = 0;
  return {
    async join(room: string) {
      socket.send(JSON.stringify({ type: 'join', room }));
      await waitFor(`${name} joined ${room}`, () => frames.some((f) => f.type === 'joined' && f.room === room));
    },
    /** Resolves with the id from the ack. */
    async send(room: string, text: string): Promise<string> {
      const ref = `n${++refs}`;
      socket.send(JSON.stringify({ type: 'send', room, text, ref }));
      const ack = await waitFor(`ack ${ref}`, () => frames.find((f) => (f.type === 'ack' || f.type === 'error') && f.ref === ref));
      if (ack.type !== 'ack') throw new Error(`send refused: ${JSON.stringify(ack)}`);
      return String(ack.id);
    },
    close() {
      socket.close();
    },
  };
}
