// A client as a process of its own, so a test can SIGSTOP it: while stopped its
// socket is not read and the server's unsent bytes for it pile up. It reads one
// chat room (`ws <wsBase> <room>`) or one SSE topic (`sse <httpBase> <topic>`),
// resumes with `since` / Last-Event-ID whenever it is cut off, and reports on
// stdout, one JSON object a line: {"open":n} {"id":"…"} {"close":code}.
import { createParser } from 'eventsource-parser';
import WebSocket from 'ws';

const [mode, base, name] = process.argv.slice(2);
const report = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let last;
let opens = 0;

function chatOnce() {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${base}/ws?name=stalled-client`);
    socket.on('open', () => {
      socket.send(JSON.stringify(last === undefined ? { type: 'join', room: name } : { type: 'join', room: name, since: last }));
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      const messages = frame.type === 'joined' ? frame.history : frame.type === 'message' ? [frame] : [];
      if (frame.type === 'joined') report({ open: ++opens, recovered: frame.recovered });
      for (const m of messages) {
        last = m.id;
        report({ id: m.id });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      report({ close: code });
      resolve();
    });
  });
}

async function sseOnce() {
  const headers = last === undefined ? {} : { 'last-event-id': last };
  try {
    const res = await fetch(`${base}/sse?topic=${name}`, { headers });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    report({ open: ++opens });
    const parser = createParser({
      onEvent: (event) => {
        if (!event.id) return;
        last = event.id;
        report({ id: event.id });
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body) parser.feed(decoder.decode(chunk, { stream: true }));
    report({ close: 'end' });
  } catch (err) {
    report({ close: String(err.cause?.code ?? err.message) });
  }
}

for (;;) {
  await (mode === 'ws' ? chatOnce() : sseOnce());
  await sleep(100);
}
