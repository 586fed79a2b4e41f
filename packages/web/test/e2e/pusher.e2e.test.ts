import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeys, postPublish, probeRedis, REDIS_TEST_URL, Service, stopAllServices, waitUntil } from '@herald/testkit';
import { IN_CI, browserMissing, launchChromium, pageLog } from './harness/browser.js';
import { serveStatic } from './harness/static-server.js';

// Issue 13 in a real browser: pusher-js's own browser build, unchanged, on the gateway's
// /app/{key}; the channel is one bus topic, so the event stream publishes into it and
// Chromium's EventSource reads the same event.
const missing = browserMissing() ?? ((await probeRedis()) ? undefined : `no redis at ${REDIS_TEST_URL}`);
if (missing && !IN_CI) console.log(`skipping the Pusher e2e test: ${missing}`);

const id = Math.random().toString(36).slice(2, 8);
const PREFIX = `herald-e2e-pusher-${id}:`;
const APP = { PUSHER_APP_ID: 'app1', PUSHER_APP_KEY: 'e2e-key', PUSHER_APP_SECRET: 'e2e-secret-0123456789' };
const TOPIC = 'pusher.app1.orders';

describe.skipIf(missing !== undefined && !IN_CI)('pusher-js in Chromium', () => {
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveStatic>>;
  let dir: string;
  let gateway: Service;
  let stream: Service;

  beforeAll(async () => {
    if (missing) throw new Error(missing);
    dir = mkdtempSync(join(tmpdir(), 'herald-pusher-page-'));
    const require = createRequire(import.meta.url);
    copyFileSync(join(require.resolve('pusher-js/package.json'), '..', 'dist/web/pusher.min.js'), join(dir, 'pusher.min.js'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>pusher-js page</title><script src="pusher.min.js"></script>');
    const env = { ...APP, REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: PREFIX };
    [site, browser, gateway, stream] = await Promise.all([
      serveStatic(dir),
      launchChromium(),
      Service.start('chat-gateway', env),
      Service.start('event-stream', { REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: PREFIX }),
    ]);
    await Promise.all([gateway.waitReady(), stream.waitReady()]);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await stopAllServices();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await deleteKeys(PREFIX);
  });

  it('connects, subscribes and receives an event published on the bus; EventSource reads the same event', async () => {
    const page: Page = await browser.newPage();
    const log = pageLog(page);
    await page.goto(site.url);
    await page.evaluate(
      ({ key, port }) => {
        interface Bindable { bind(event: string, callback: (data: never) => void): void }
        const w = window as unknown as { Pusher: new (key: string, options: object) => { connection: Bindable; subscribe(name: string): Bindable }; got: unknown[]; sse: string[]; state: string };
        w.got = [];
        w.sse = [];
        const pusher = new w.Pusher(key, { cluster: 'mt1', wsHost: '127.0.0.1', wsPort: port, forceTLS: false, enabledTransports: ['ws'], disableStats: true });
        pusher.connection.bind('state_change', ({ current }: { current: string }) => (w.state = current));
        const channel = pusher.subscribe('orders');
        channel.bind('pusher:subscription_succeeded', () => (w.state = 'subscribed'));
        channel.bind('created', (data: unknown) => w.got.push(data));
      },
      { key: APP.PUSHER_APP_KEY, port: gateway.port },
    );
    await waitUntil(() => page.evaluate(() => (window as unknown as { state: string }).state === 'subscribed'), { message: 'subscribed in the page', timeoutMs: 30_000 });
    await page.evaluate((url) => {
      const w = window as unknown as { sse: string[]; sseOpen: boolean };
      const source = new EventSource(url);
      source.onopen = () => (w.sseOpen = true);
      source.onmessage = (e) => w.sse.push(e.data);
    }, `${stream.http}/sse?topic=${TOPIC}`);
    await waitUntil(() => page.evaluate(() => (window as unknown as { sseOpen?: boolean }).sseOpen === true), { message: 'EventSource open' });

    // The payload a Pusher trigger stores on the channel's topic (gateway pusher/bus-payload.ts).
    const published = await postPublish(stream.http, { topic: TOPIC, data: { e: 'created', d: JSON.stringify({ id: 42 }) } });
    expect(published.status).toBe(202);
    await waitUntil(() => page.evaluate(() => (window as unknown as { got: unknown[]; sse: string[] }).got.length === 1 && (window as unknown as { sse: string[] }).sse.length === 1), {
      message: `the event in pusher-js and in EventSource (page log: ${log.join(' | ')})`,
    });
    const { got, sse } = await page.evaluate(() => ({ got: (window as unknown as { got: unknown[] }).got, sse: (window as unknown as { sse: string[] }).sse }));
    expect(got).toEqual([{ id: 42 }]);
    expect(sse.map((s) => JSON.parse(s) as unknown)).toEqual([{ e: 'created', d: '{"id":42}' }]);
    await page.close();
  });
});
