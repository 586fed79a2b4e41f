// A storm load process (src/storm.mjs starts several): role `clients` holds a share of
// the storm's clients (first on gateway A, then reconnecting to B) from its own
// 127.0.0.x source address; role `probe` holds B's existing clients and the publisher.
// Commands come over the IPC channel; progress and results go back the same way.
import { pool } from './common.mjs';
import { newCounts } from './storm-client.mjs';
import { TimedLatency, openPublisher, startPublishing } from './storm-probe.mjs';
import { StormSseClient } from './storm-sse-client.mjs';
import { settle } from './storm-verify.mjs';
import { StormWsClient } from './storm-ws-client.mjs';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const Client = cfg.transport === 'sse' ? StormSseClient : StormWsClient;
const roomName = (i) => `storm-${i % cfg.rooms}`;
const reply = (message) => process.send(message);

const set = { counts: newCounts(), localAddress: cfg.localAddress, reconnectPort: cfg.portB, backoffMs: cfg.backoffMs, stopping: false, onLive: undefined };
const clients = [];
let latency = null;
let pub = null;
let publishing = null;

async function openClients(port, first, count) {
  await pool(count, cfg.concurrency, (i) => {
    const client = new Client(set, first + i, roomName(first + i));
    clients.push(client);
    client.connect(port);
    return client.ready;
  });
}

const COMMANDS = {
  async open() {
    if (cfg.role === 'probe') {
      latency = new TimedLatency();
      set.onLive = (text) => latency.add(text);
      await openClients(cfg.portB, 0, cfg.count);
      pub = await openPublisher({ transport: cfg.transport, port: cfg.portB, publishConcurrency: cfg.publishConcurrency },
        Array.from({ length: cfg.rooms }, (_, r) => roomName(r)));
    } else {
      await openClients(cfg.portA, cfg.first, cfg.count);
    }
    return { counts: set.counts };
  },
  async publishStart() {
    publishing = startPublishing(pub, Object.keys(pub.acked), cfg.rate);
    return {};
  },
  async publishStop() {
    const stats = await publishing.stop();
    return { stats, acked: pub.acked };
  },
  async verify({ acked, stallMs }) {
    const result = await settle(clients, acked, stallMs);
    return {
      tally: result,
      counts: set.counts,
      backAt: clients.map((c) => c.backAt),
      droppedAt: clients.map((c) => c.droppedAt),
      backSteps: clients.map((c) => c.backSteps),
    };
  },
  async latency({ windows }) {
    return Object.fromEntries(Object.entries(windows).map(([name, [from, to]]) => [name, latency.window(from, to)]));
  },
  async stop() {
    set.stopping = true;
    for (const client of clients) client.close();
    pub?.close();
    return {};
  },
};

process.on('message', async ({ id, cmd, args }) => {
  try {
    reply({ id, ok: true, value: await COMMANDS[cmd](args ?? {}) });
  } catch (error) {
    reply({ id, ok: false, error: error.stack ?? String(error) });
  }
});
// The bench's exit closes the channel: nothing is left to do here then.
process.on('disconnect', () => process.exit(0));
const progress = setInterval(() => reply({ progress: set.counts, at: Date.now() }), 200);
progress.unref();
