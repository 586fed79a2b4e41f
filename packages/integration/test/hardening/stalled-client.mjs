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

/** Ids are `<ms>-<seq>`: compared as two numbers. */
function isAfter(a, b) {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am > bm || (am === bm && as > bs);
}

function chatOnce() {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${base}/ws?name=stalled-client`);
    // While a cut `joined` (more:true) is paged with `history after`, live messages are
    // held: reporting one would move `last` (the next since) past messages not paged yet.
    let held;
    const deliver = (m) => {
      last = m.id;
      report({ id: m.id });
    };
    const nextPage = () => socket.send(JSON.stringify({ type: 'history', room: name, after: last, limit: 1000 }));
    socket.on('open', () => {
      socket.send(JSON.stringify(last === undefined ? { type: 'join', room: name } : { type: 'join', room: name, since: last }));
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'message') {
        if (held) held.push(frame);
        else deliver(frame);
      } else if (frame.type === 'joined') {
        report({ open: ++opens, recovered: frame.recovered });
        const resuming = last !== undefined;
        frame.history.forEach(deliver);
        if (frame.more && resuming) {
          held = [];
          nextPage();
        }
      } else if (frame.type === 'history') {
        frame.messages.forEach(deliver);
        if (frame.more) return nextPage();
        const live = held.filter((m) => isAfter(m.id, last));
        held = undefined;
        live.forEach(deliver);
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
