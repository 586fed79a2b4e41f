// One load process of p99-split.mjs: opens `count` clients, records each delivery's latency (absolute clock).
import WebSocket from 'ws';
const [kind, port, from, count] = process.argv.slice(2); const N = Number(count);
const now = () => performance.timeOrigin + performance.now();
const lat = []; const firstBy = new Map(); const lastBy = new Map();
function onFrame(data) {
  const at = data.indexOf('@@'); if (at < 0) return;
  const end = data.indexOf('@@', at + 2); const sent = Number(data.toString('latin1', at + 2, end));
  const t = now(); lat.push(t - sent);
  if (!firstBy.has(sent)) firstBy.set(sent, t); lastBy.set(sent, t);
}
function open(i) {
  return new Promise((resolve, reject) => {
    const url = kind === 'herald' ? `ws://127.0.0.1:${port}/ws?name=s${from + i}` : `ws://127.0.0.1:${port}/`;
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    ws.on('error', reject);
    if (kind === 'herald') {
      const setup = (d) => { const m = JSON.parse(d.toString()); if (m.type === 'welcome') ws.send(JSON.stringify({ type: 'join', room: 'bench' })); else if (m.type === 'joined') { ws.off('message', setup); ws.on('message', onFrame); resolve(ws); } };
      ws.on('message', setup);
    } else ws.on('open', () => { ws.on('message', onFrame); resolve(ws); });
  });
}
const clients = [];
let cpu0 = process.cpuUsage();
for (let i = 0; i < N; i += 50) clients.push(...(await Promise.all(Array.from({ length: Math.min(50, N - i) }, (_, j) => open(i + j)))));
process.send({ ready: true });
process.on('message', (m) => {
  if (m.reset) { cpu0 = process.cpuUsage(); lat.length = 0; firstBy.clear(); lastBy.clear(); }
  if (m.report) { const cpu = process.cpuUsage(cpu0); process.send({ lat, first: [...firstBy], last: [...lastBy], cpu }); for (const c of clients) c.terminate(); setTimeout(() => process.exit(0), 100); }
});
