import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatCorpus } from './chat-corpus.js';
import { joinFlood, runChatConnectionCases, runChatCorpus, type Failure } from './chat-runner.js';
import { runHttpCases, runRawCases } from './http-runner.js';
import { medianRss, MiB } from './proc.js';
import { rawCorpus, sseCorpus } from './sse-corpus.js';
import { WsProbe } from './ws-probe.js';
import { assertAppsBuilt, Service, stopAllServices } from '@herald/testkit';

const MAX_MESSAGE_BYTES = 65_536;
/** Growth of a server's RSS over the measured rounds that fails the test. */
const RSS_BOUND = 64 * MiB;
const MEASURED_ROUNDS = 2;

/** One pass of every corpus against the real processes; returns what went wrong. */
async function round(gateway: Service, stream: Service): Promise<Failure[]> {
  const [chat, connections, flood, http, raw] = await Promise.all([
    runChatCorpus(gateway.ws, chatCorpus(MAX_MESSAGE_BYTES)),
    runChatConnectionCases(gateway.ws, MAX_MESSAGE_BYTES),
    joinFlood(gateway.ws, 10_000),
    runHttpCases(stream.http, sseCorpus(MAX_MESSAGE_BYTES)),
    runRawCases(stream.port, rawCorpus()),
  ]);
  return [...chat, ...connections.failures, ...flood.map((problem) => ({ name: 'join flood', problem })), ...http.failures, ...raw];
}

describe('both services as real processes: the corpus leaves them up and their memory bounded', () => {
  let gateway: Service;
  let stream: Service;

  beforeAll(async () => {
    assertAppsBuilt();
    const env = { RATE_LIMIT: '0', JOIN_RATE_LIMIT: '0', MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) };
    [gateway, stream] = await Promise.all([Service.start('chat-gateway', env), Service.start('event-stream', env)]);
  });

  afterAll(async () => {
    await stopAllServices();
  });

  it(`RSS grows less than ${RSS_BOUND / MiB} MiB over ${MEASURED_ROUNDS} more rounds after a warm-up round`, async () => {
    // The warm-up fills what a process keeps anyway: JIT code, pools, room histories.
    expect(await round(gateway, stream)).toEqual([]);
    const before = { gateway: await medianRss(gateway.pid), stream: await medianRss(stream.pid) };
    for (let i = 0; i < MEASURED_ROUNDS; i++) expect(await round(gateway, stream)).toEqual([]);
    const after = { gateway: await medianRss(gateway.pid), stream: await medianRss(stream.pid) };
    const mib = (n: number) => (n / MiB).toFixed(1);
    console.log(
      `RSS gateway ${mib(before.gateway)} → ${mib(after.gateway)} MiB, event-stream ${mib(before.stream)} → ${mib(after.stream)} MiB`,
    );
    expect(after.gateway - before.gateway).toBeLessThan(RSS_BOUND);
    expect(after.stream - before.stream).toBeLessThan(RSS_BOUND);

    expect(await gateway.status('/healthz')).toBe(200);
    expect(await stream.status('/healthz')).toBe(200);
    expect(gateway.exited || stream.exited).toBe(false);
    // Nothing bad input did reached a log line at error level (a crash or a 500).
    expect(`${gateway.stdout}${stream.stdout}`).not.toMatch(/"level":(50|60)/);
  });

  it('other clients keep working afterwards: a message and a publish arrive', async () => {
    const a = await WsProbe.connect(`${gateway.ws}/ws?name=hx-after-a`);
    const b = await WsProbe.connect(`${gateway.ws}/ws?name=hx-after-b`);
    for (const p of [a, b]) {
      await p.next();
      p.sendText(JSON.stringify({ type: 'join', room: 'hx-after' }));
      await p.next((f) => f.type !== 'joined');
    }
    a.sendText(JSON.stringify({ type: 'send', room: 'hx-after', text: 'still fine' }));
    const got = await b.next((f) => f.type !== 'message');
    expect(got.text).toBe('still fine');
    await Promise.all([a.close(), b.close()]);

    const res = await fetch(`${stream.http}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'hx-after', data: 1 }),
    });
    expect(res.status).toBe(202);
  });
});
