// Baseline: the seed's chat server (Node + ws), as written there, minus its per-message
// console.log (printing every message would measure the terminal, not the server).
// Like the seed, it echoes the Buffer it received, so ws 8 sends binary frames.
import { WebSocketServer, WebSocket } from 'ws';

const server = new WebSocketServer({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 8080) });

server.on('connection', function (socket) {
  socket.on('message', function (message) {
    server.clients.forEach(function (client) {
      if (client.readyState === WebSocket.OPEN) {
        client.send(message);
      }
    });
  });
});

// The bench owns this process: when its stdin pipe closes, the bench is gone.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
