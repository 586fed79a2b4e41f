// Baseline for the replay scenario: naive-sse.mjs's Express hub plus history kept the
// seed's way, "today's one-shot replay": every event in one array (ids 1, 2, 3…, one
// sequence for all topics, like the hub itself ignores topics), and a GET /sse with
// Last-Event-ID answered with ALL later events joined into one string, written with
// one res.write. That string, and the copy Node keeps of whatever the socket did not
// take yet, are what grows with history × resuming clients.
import express from 'express';

const app = express();
const clients = new Set();
const history = [];

const frame = (event) => `id: ${event.id}\ndata: ${JSON.stringify(event.data)}\n\n`;

app.get('/sse', (req, res) => {
  res.set({
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
  res.flushHeaders();
  const lastEventId = req.get('Last-Event-ID');
  if (lastEventId !== undefined) {
    const after = Number(lastEventId);
    res.write(history.filter((event) => event.id > after).map(frame).join(''));
  }
  clients.add(res);
  req.on('close', () => {
    clients.delete(res);
    res.end();
  });
});

app.post('/publish', express.json(), (req, res) => {
  const event = { id: history.length + 1, data: req.body?.data };
  history.push(event);
  for (const client of clients) {
    client.write(frame(event));
  }
  res.sendStatus(202);
});

app.listen(Number(process.env.PORT ?? 8088), process.env.HOST ?? '127.0.0.1');

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
