// Baseline: an SSE hub written the seed's way (Express, the seed's headers, one
// res.write of `data: ${JSON.stringify(data)}\n\n` per client per event), with the
// seed's timer bug left out. Headers are flushed at once so clients see the stream open.
import express from 'express';

const app = express();
const clients = new Set();

app.get('/sse', (req, res) => {
  res.set({
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
  res.flushHeaders();
  clients.add(res);
  req.on('close', () => {
    clients.delete(res);
    res.end();
  });
});

app.post('/publish', express.json(), (req, res) => {
  const data = req.body?.data;
  for (const client of clients) {
    client.write(`data: ${JSON.stringify(data)}\n\n`);
  }
  res.sendStatus(202);
});

app.listen(Number(process.env.PORT ?? 8088), process.env.HOST ?? '127.0.0.1');

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
