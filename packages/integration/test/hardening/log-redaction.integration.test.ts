import { createHmac } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { WsProbe } from './ws-probe.js';
import { assertAppsBuilt, Service, stopAllServices, waitUntil } from '@herald/testkit';

const SECRET = 'hx-auth-secret-0123456789abcdef-0123456789';
const PUBLISH_TOKEN = 'hx-publish-token-fedcba9876543210';

/** An HS256 JWT, built by hand so the test needs no JWT library. */
function jwt(claims: Record<string, unknown>, secret = SECRET): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

afterAll(async () => {
  await stopAllServices();
});

describe.each(['info', 'debug'])('no secret reaches the log (LOG_LEVEL=%s, real processes)', (level) => {
  it('chat gateway: ?token=, Authorization: Bearer, a bad token and a forged one', async () => {
    assertAppsBuilt();
    const gateway = await Service.start('chat-gateway', { LOG_LEVEL: level, AUTH_SECRET: SECRET });
    const good = jwt({ sub: 'alice', name: 'Alice', exp: Math.floor(Date.now() / 1000) + 600 });
    const forged = jwt({ sub: 'mallory' }, 'not-the-secret-0123456789');

    const viaQuery = await WsProbe.connect(`${gateway.ws}/ws?token=${good}`);
    expect((await viaQuery.next()).type).toBe('welcome');
    viaQuery.sendText(JSON.stringify({ type: 'join', room: 'logs' }));
    await viaQuery.next();
    const raw = await WsProbe.connect(`${gateway.ws}/?token=${encodeURIComponent(good)}&x=1`);
    await raw.close();
    const refused = await WsProbe.open(`${gateway.ws}/ws?token=${forged}`);
    expect(refused.ok ? 101 : refused.status).toBe(401);
    const res = await fetch(`${gateway.http}/ws`, { headers: { authorization: `Bearer ${good}` } });
    expect(res.status).toBe(426);
    await viaQuery.close();
    await gateway.stop();

    // The log is not empty: requests were logged, with the token cut out.
    expect(gateway.stdout).toContain('"url":"/ws?token=[redacted]"');
    for (const secret of [good, forged, good.split('.')[2]!, forged.split('.')[2]!, SECRET]) {
      expect(gateway.stdout).not.toContain(secret);
      expect(gateway.stderr).not.toContain(secret);
    }
  });

  it('event stream: the publish token in Authorization (right and wrong) and a token in the query', async () => {
    assertAppsBuilt();
    const stream = await Service.start('event-stream', { LOG_LEVEL: level, PUBLISH_TOKEN });
    const publish = (authorization: string) =>
      fetch(`${stream.http}/publish?token=${PUBLISH_TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ topic: 'logs', data: 1 }),
      });
    expect((await publish(`Bearer ${PUBLISH_TOKEN}`)).status).toBe(202);
    expect((await publish(`Bearer ${PUBLISH_TOKEN}-wrong`)).status).toBe(401);
    const sse = await fetch(`${stream.http}/sse?topic=logs&access_token=${PUBLISH_TOKEN}`);
    expect(sse.status).toBe(200);
    await sse.body?.cancel();
    await waitUntil(() => stream.stdout.includes('access_token=[redacted]'), { timeoutMs: 10_000, message: 'the requests in the log' });
    await stream.stop();

    expect(stream.stdout).toContain('"url":"/publish?token=[redacted]"');
    expect(stream.stdout).not.toContain(PUBLISH_TOKEN);
    expect(stream.stderr).not.toContain(PUBLISH_TOKEN);
  });
});
