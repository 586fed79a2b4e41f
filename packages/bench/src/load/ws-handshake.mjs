// A bare WebSocket opening handshake for the connection-setup scenario. With the `ws`
// client the load process spent more CPU per connection than the servers did (request
// objects, key generation, accept hashing), so the setup rate measured the load. This
// sends a fixed key, checks the fixed answer (RFC 6455 §1.3's example pair) and, for
// Herald, waits for the first text frame, the `welcome`. Nothing else is spoken.
import net from 'node:net';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

/** Resolves with the socket once upgraded (and, when `untilText`, once that text arrived). */
export function handshake({ port, path, untilText = null, timeoutMs = 30_000 }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = '';
    let upgraded = false;
    let settled = false;
    const timer = setTimeout(() => settle(new Error(`${path}: not ready after ${timeoutMs} ms`)), timeoutMs);
    function settle(error) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve(socket);
      }
    }
    function onData(chunk) {
      received += chunk.toString('latin1');
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = received.slice(0, end);
        if (!head.startsWith('HTTP/1.1 101')) return settle(new Error(`${path}: ${head.split('\r\n')[0]}`));
        if (!head.includes(ACCEPT)) return settle(new Error(`${path}: wrong Sec-WebSocket-Accept`));
        upgraded = true;
        received = received.slice(end + 4);
      }
      if (untilText === null || received.includes(untilText)) settle();
    }
    socket.on('data', onData);
    socket.on('error', (error) => settle(error));
    socket.on('close', () => settle(new Error(`${path}: closed before ready`)));
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}
