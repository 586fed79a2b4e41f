import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IN_CI, browserMissing, launchChromium, screenshotPages } from './harness/browser.js';
import { joinRoom, messageTexts, openDemo, waitForChatState, waitForMessage } from './harness/demo-page.js';
import { nodeChatClient } from './harness/node-chat.js';
import { DEMO_DIR } from './harness/paths.js';
import { REDIS_URL, deleteKeys, redisMissing } from './harness/redis.js';
import { killAll, startService, type Service } from './harness/services.js';
import { serveStatic } from './harness/static-server.js';
import { waitFor } from './harness/wait.js';

const missing = browserMissing() ?? (await redisMissing());
if (missing && !IN_CI) console.log(`skipping the gateway restart e2e test: ${missing}`);

const id = Math.random().toString(36).slice(2, 8);
// A restarted in-memory gateway forgets history, so this runs on Redis, under keys
// of its own (REDIS_PREFIX) and in a room of its own.
const redisEnv = { REDIS_URL, REDIS_PREFIX: `herald-e2e-${id}:` };
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
      startService('chat-gateway', redisEnv),
      startService('chat-gateway', redisEnv),
      startService('event-stream', redisEnv),
      serveStatic(DEMO_DIR),
      launchChromium(),
    ]);
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      const saved = await screenshotPages(ctx.task.name, pages);
      console.log(`screenshots of the failed test: ${saved.join(', ')}`);
      console.log(`--- gateway output ---\n${first?.output().slice(-4000)}`);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await Promise.all([first?.stop(), second?.stop(), stream?.stop()]);
    killAll();
    await deleteKeys(redisEnv.REDIS_PREFIX);
  });

  it('shows the reconnect, comes back, and shows messages sent meanwhile exactly once', async () => {
    const { page } = await openDemo(browser, {
      page: site.url,
      gateway: `ws://127.0.0.1:${first.port}/ws`,
      stream: stream.httpUrl,
    });
    pages.push(page);
    await joinRoom(page, 'alice', room);

    // bob talks through the second gateway instance, which stays up.
    const bob = await nodeChatClient(`ws://127.0.0.1:${second.port}/ws`, 'bob');
    await bob.join(room);
    // On Redis the room is also an SSE topic: watch it from the page's feed.
    await page.getByRole('button', { name: `Watch chat.${room} over SSE` }).click();
    await waitFor('the chat topic stream open', async () =>
      (await page.locator(`#topics li[data-topic="chat.${room}"] .topic-state`).getAttribute('data-state')) === 'open',
    );
    await bob.send(room, 'before the restart');
    await waitForMessage(page, 'before the restart');
    await waitFor('the message in the SSE feed', async () =>
      (await page.locator(`#feed-events li[data-topic="chat.${room}"] .data`).allTextContents()).some((t) =>
        t.includes('before the restart'),
      ),
    );

    expect(await first.stop()).toBe(0);
    await waitFor('the page to show the countdown', async () =>
      (await page.locator('#chat-state').getAttribute('data-state')) === 'reconnecting' &&
      /next try in \d/.test((await page.locator('#countdown').textContent()) ?? ''),
    );
    expect(await page.locator('#chat-state').textContent()).toMatch(/reconnecting/i);

    const during = ['while down 1', 'while down 2', 'while down 3'];
    for (const text of during) await bob.send(room, text);

    first = await startService('chat-gateway', redisEnv, first.port);
    // The backoff may have grown to several seconds by now.
    await waitForChatState(page, 'open', 90_000);
    await waitForMessage(page, 'while down 3');
    await bob.send(room, 'after the restart');
    await waitForMessage(page, 'after the restart');
    bob.close();

    const texts = await messageTexts(page);
    expect(texts).toEqual(['before the restart', ...during, 'after the restart']);
    const ids = await page.locator('#messages li').evaluateAll((items) => items.map((li) => li.getAttribute('data-id')));
    expect(new Set(ids).size).toBe(ids.length);
    expect(await page.locator('#missed').isHidden()).toBe(true);
  });
});
