import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_GROUPS, chatCorpus, groupRoom } from './chat-corpus.js';
import { deliveredIn, joinFlood, openBystander, runChatConnectionCases, runChatCorpus } from './chat-runner.js';
import { startGateway, type InProcess } from './in-process.js';
import { WsProbe, type Frame } from './ws-probe.js';

const MAX_MESSAGE_BYTES = 65_536;
const cases = chatCorpus(MAX_MESSAGE_BYTES);

describe('chat gateway: malformed-input corpus (in process)', () => {
  let gateway: InProcess;
  let bystander: WsProbe;

  beforeAll(async () => {
    // No rate limit, so every frame gets the reply for what it is; RATE_LIMIT has a case of its own
    // (and JOIN_RATE_LIMIT its own in apps/chat-gateway/test/join-limits.integration.test.ts).
    gateway = await startGateway({ RATE_LIMIT: '0', JOIN_RATE_LIMIT: '0', MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) });
    bystander = await openBystander(gateway.ws);
  });

  afterAll(async () => {
    await bystander?.close();
    await gateway?.close();
  });

  it(`answers each of the ${cases.length} frame cases as documented, on a connection that stays open`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(800);
    const failures = await runChatCorpus(gateway.ws, cases);
    console.log(`chat corpus: ${cases.length} frame cases, ${failures.length} failures`);
    expect(failures).toEqual([]);
  });

  it('refuses or closes connections as documented: bad ?name= 400, bad UTF-8 1007, over the hard cap 1009, raw abuse 1008', async () => {
    const { count, failures } = await runChatConnectionCases(gateway.ws, MAX_MESSAGE_BYTES);
    console.log(`chat connection cases: ${count}, ${failures.length} failures`);
    expect(count).toBeGreaterThanOrEqual(90);
    expect(failures).toEqual([]);
  });

  it('10,000 joins from one connection: 100 rooms joined, the rest bad_request, the connection still works', async () => {
    expect(await joinFlood(gateway.ws, 10_000)).toEqual([]);
  });

  it('after the corpus: /healthz 200, the bystander saw exactly the accepted messages, and one sent afterwards', async () => {
    const res = await fetch(`${gateway.http}/healthz`);
    expect(res.status).toBe(200);

    const late = await WsProbe.connect(`${gateway.ws}/ws?name=hx-late`);
    await late.next();
    late.sendText(JSON.stringify({ type: 'join', room: groupRoom('json') }));
    await late.next((f) => f.type === 'presence');
    late.sendText(JSON.stringify({ type: 'send', room: groupRoom('json'), text: 'after the corpus', ref: 'late' }));
    await bystander.next((f) => !(f.type === 'message' && f.text === 'after the corpus'));
    await late.close();

    for (const group of CHAT_GROUPS) {
      const seen = bystander.frames.filter((f) => f.type === 'message' && f.room === groupRoom(group)).map((f) => f.text);
      const expected = deliveredIn(cases, group);
      if (group === 'json') expected.push('after the corpus');
      expect(seen, `messages the bystander saw in ${groupRoom(group)}`).toEqual(expected);
    }
    expect(bystander.closed).toBe(false);
    // `constructor.prototype` and `__proto__` keys went through JSON.parse and the bus.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('chat gateway: RATE_LIMIT under a flood of bad frames (in process)', () => {
  it('answers bad_request while the burst lasts, then rate_limited; the connection stays open', async () => {
    const gateway = await startGateway({ RATE_LIMIT: '20' });
    try {
      const probe = await WsProbe.connect(`${gateway.ws}/ws?name=hx-flood`);
      await probe.next();
      for (let i = 0; i < 200; i++) probe.sendText('{not json');
      const replies: Frame[] = [];
      for (let i = 0; i < 200; i++) replies.push(await probe.next());
      const codes = replies.map((f) => (f.type === 'error' ? f.code : f.type));
      expect(codes.filter((c) => c !== 'bad_request' && c !== 'rate_limited')).toEqual([]);
      expect(codes.filter((c) => c === 'bad_request').length).toBeGreaterThanOrEqual(20);
      expect(codes.filter((c) => c === 'rate_limited').length).toBeGreaterThan(0);
      expect(probe.closed).toBe(false);
      await probe.close();
    } finally {
      await gateway.close();
    }
  });
});
