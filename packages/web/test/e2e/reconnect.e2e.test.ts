import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IN_CI, browserMissing, launchChromium, screenshotPages } from './harness/browser.js';
import { joinRoom, messageTexts, openDemo, waitForChatState, waitForMessage } from './harness/demo-page.js';
import { DEMO_DIR } from './harness/paths.js';
import { serveStatic } from './harness/static-server.js';
import { ChatTestClient, deleteKeys, probeRedis, REDIS_TEST_URL, Service, stopAllServices, waitUntil } from '@herald/testkit';

const missing = browserMissing() ?? ((await probeRedis()) ? undefined : `no redis at ${REDIS_TEST_URL}`);
if (missing && !IN_CI) console.log(`skipping the gateway restart e2e test: ${missing}`);

const id = Math.random().toString(36).slice(2, 8);
// A restarted in-memory gateway forgets history, so this runs on Redis, under keys
// of its own (REDIS_PREFIX) and in a room of its own.
const redisEnv = { REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: `herald-e2e-${id}:` };
const room = `restart-${id}`;

describe.skipIf(missing !== undefined && !IN_CI)('demo page across a gateway restart (Redis bus)', () => {
  let browser: Browser;
  let first: Service;
  let second: Service;
  let stream: Service;
  let site: Awaited<ReturnType<typeof serveStatic>>;
  const pages: Page[] = [];

  beforeAll(async () => {
    if (missing) throw new Error(missing);
    [first, second, stream, site, browser] = await Promise.all([
      Service.start('chat-gateway', { LOG_LEVEL: 'info', ...redisEnv }, { inheritEnv: true }),
      Service.start('chat-gateway', { LOG_LEVEL: 'info', ...redisEnv }, { inheritEnv: true }),
      Service.start('event-stream', { LOG_LEVEL: 'info', ...redisEnv }, { inheritEnv: true }),
      serveStatic(DEMO_DIR),
      launchChromium(),
    ]);
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      const saved = await screenshotPages(ctx.task.name, pages);
      console.log(`screenshots of the failed test: ${saved.join(', ')}`);
      console.log(`--- gateway output ---\n${first?.output.slice(-4000)}`);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await Promise.all([first?.stop(), second?.stop(), stream?.stop()]);
    await stopAllServices();
    await deleteKeys(redisEnv.REDIS_PREFIX);
  });

  it('shows the reconnect, comes back, and shows messages sent meanwhile exactly once', async () => {
    const { page } = await openDemo(browser, {
      page: site.url,
      gateway: `ws://127.0.0.1:${first.port}/ws`,
      stream: stream.http,
    });
    pages.push(page);
    await joinRoom(page, 'alice', room);

    // bob talks through the second gateway instance, which stays up.
    const bob = await ChatTestClient.named(second.ws, 'bob');
    await bob.joinRoom(room);
    // On Redis the room is also an SSE topic: watch it from the page's feed.
    await page.getByRole('button', { name: `Watch chat.${room} over SSE` }).click();
    await waitUntil(
      async () =>
      (await page.locator(`#topics li[data-topic="chat.${room}"] .topic-state`).getAttribute('data-state')) === 'open',
      { message: 'the chat topic stream open' },
    );
    await bob.say(room, 'before the restart');
    await waitForMessage(page, 'before the restart');
    await waitUntil(
      async () =>
      (await page.locator(`#feed-events li[data-topic="chat.${room}"] .data`).allTextContents()).some((t) =>
        t.includes('before the restart'),
      ),
      { message: 'the message in the SSE feed' },
    );

    expect(await first.stop()).toBe(0);
    await waitUntil(
      async () =>
      (await page.locator('#chat-state').getAttribute('data-state')) === 'reconnecting' &&
      /next try in \d/.test((await page.locator('#countdown').textContent()) ?? ''),
      { message: 'the page to show the countdown' },
    );
    expect(await page.locator('#chat-state').textContent()).toMatch(/reconnecting/i);

    const during = ['while down 1', 'while down 2', 'while down 3'];
    for (const text of during) await bob.say(room, text);

    first = await Service.start('chat-gateway', { LOG_LEVEL: 'info', ...redisEnv }, { port: first.port, inheritEnv: true });
    // The backoff may have grown to several seconds by now.
    await waitForChatState(page, 'open', 90_000);
    await waitForMessage(page, 'while down 3');
    await bob.say(room, 'after the restart');
    await waitForMessage(page, 'after the restart');
    bob.close();

    const texts = await messageTexts(page);
    expect(texts).toEqual(['before the restart', ...during, 'after the restart']);
    const ids = await page.locator('#messages li').evaluateAll((items) => items.map((li) => li.getAttribute('data-id')));
    expect(new Set(ids).size).toBe(ids.length);
    expect(await page.locator('#missed').isHidden()).toBe(true);
  });
});
