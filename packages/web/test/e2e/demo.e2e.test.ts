import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IN_CI, browserMissing, launchChromium, screenshotPages } from './harness/browser.js';
import { joinRoom, memberNames, messageTexts, openDemo, sendMessage, waitForMessage } from './harness/demo-page.js';
import { ARTIFACTS_DIR, DEMO_DIR, REPO_DIR } from './harness/paths.js';
import { serveStatic } from './harness/static-server.js';
import { ChatTestClient, Service, stopAllServices, waitUntil } from '@herald/testkit';

const missing = browserMissing();
if (missing && !IN_CI) console.log(`skipping the demo page e2e tests: ${missing}`);

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

describe.skipIf(missing !== undefined && !IN_CI)('demo page in Chromium', () => {
  let browser: Browser;
  let gateway: Service;
  let stream: Service;
  let site: Awaited<ReturnType<typeof serveStatic>>;
  let pages: Page[] = [];
  let urls: { page: string; gateway: string; stream: string };

  beforeAll(async () => {
    if (missing) throw new Error(missing);
    if (!existsSync(`${DEMO_DIR}/index.html`)) throw new Error(`${DEMO_DIR} is missing: run \`pnpm --filter @herald/web build\``);
    [gateway, stream, site, browser] = await Promise.all([
      Service.start('chat-gateway', { LOG_LEVEL: 'info' }, { inheritEnv: true }),
      Service.start('event-stream', { LOG_LEVEL: 'info' }, { inheritEnv: true }),
      serveStatic(DEMO_DIR),
      launchChromium(),
    ]);
    urls = { page: site.url, gateway: `ws://127.0.0.1:${gateway.port}/ws`, stream: stream.http };
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      const saved = await screenshotPages(ctx.task.name, pages);
      console.log(`screenshots of the failed test: ${saved.join(', ')}`);
    }
    await Promise.all(pages.map((p) => p.context().close()));
    pages = [];
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    const codes = await Promise.all([gateway?.stop(), stream?.stop()]);
    await stopAllServices();
    expect(codes.filter((c) => c !== undefined)).toEqual(codes.filter((c) => c !== undefined).map(() => 0));
  });

  async function open(viewport?: { width: number; height: number }) {
    const opened = await openDemo(browser, urls, viewport);
    pages.push(opened.page);
    return opened.page;
  }

  it('two pages chat in one room and see each other in the member list', async () => {
    const room = unique('lobby');
    const alice = await open();
    const bob = await open();
    await joinRoom(alice, 'alice', room);
    await joinRoom(bob, 'bob', room);

    await waitUntil(async () => (await memberNames(alice)).sort().join() === 'alice (you),bob', { message: 'both members on alice' });
    await waitUntil(async () => (await memberNames(bob)).sort().join() === 'alice,bob (you)', { message: 'both members on bob' });
    // Focus moved to the message field on join: typing and Enter sends.
    expect(await alice.evaluate(() => document.activeElement?.id)).toBe('message');

    await sendMessage(alice, 'hello bob');
    await waitForMessage(bob, 'hello bob');
    await sendMessage(bob, 'hi alice! is the feed ticking for you too?');
    await waitForMessage(alice, 'hi alice! is the feed ticking for you too?');
    await sendMessage(alice, 'every second, over SSE');
    await waitForMessage(bob, 'every second, over SSE');

    // The picture for the README: two users mid-chat, the time feed ticking.
    await waitUntil(async () => (await alice.locator('#feed-events li[data-topic="time"]').count()) >= 3, { message: 'a few ticks' });
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await alice.screenshot({ path: `${ARTIFACTS_DIR}/demo.png` });
    if (process.env.UPDATE_SCREENSHOTS) copyFileSync(`${ARTIFACTS_DIR}/demo.png`, `${REPO_DIR}docs/screenshot-demo.png`);

    // User text is text, never markup.
    const html = '<img src=x onerror="document.title=`pwned`"> is just text';
    await sendMessage(bob, html);
    await waitForMessage(alice, html);
    expect(await alice.locator('#messages img').count()).toBe(0);
    expect(await alice.title()).toBe('Herald demo');
    expect(await messageTexts(bob)).toEqual(await messageTexts(alice));

    await bob.getByRole('button', { name: 'Leave' }).click();
    await waitUntil(async () => (await memberNames(alice)).join() === 'alice (you)', { message: 'bob gone from alice' });
  });

  it('the live feed shows ticks of the time topic', async () => {
    const page = await open();
    const ids = await waitUntil(
      async () => {
      const found = await page.locator('#feed-events li[data-topic="time"]').evaluateAll((items) =>
        items.map((li) => li.getAttribute('data-id')),
      );
      return found.length >= 3 ? found : undefined;
    },
      { message: 'three time ticks' },
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(await page.locator('#feed-events li[data-topic="time"] .data').first().textContent()).toMatch(/"message":/);
    expect(await page.locator('#topics li[data-topic="time"] .topic-state').getAttribute('data-state')).toBe('open');
  });

  it('events published over HTTP (the form and a plain POST) appear in the feed', async () => {
    const topic = unique('news');
    const page = await open();
    const topicInput = page.getByLabel('Watch a topic', { exact: true });
    await topicInput.fill(topic);
    await topicInput.press('Enter');
    await waitUntil(
      async () =>
      (await page.locator(`#topics li[data-topic="${topic}"] .topic-state`).getAttribute('data-state')) === 'open',
      { message: 'the topic stream open' },
    );

    await page.locator('#publish-topic').fill(topic);
    await page.locator('#publish-data').fill('{"headline":"from the form"}');
    await page.locator('#publish-data').press('Enter');
    await waitUntil(async () => (await page.locator('#publish-result').getAttribute('data-ok')) === 'true', { message: 'publish result' });

    const response = await fetch(`${stream.http}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic, data: { headline: 'from node' } }),
    });
    expect(response.status).toBe(202);

    const feed = page.locator(`#feed-events li[data-topic="${topic}"] .data`);
    await waitUntil(async () => (await feed.count()) === 2, { message: 'both events in the feed' });
    expect(await feed.allTextContents()).toEqual(['{"headline":"from node"}', '{"headline":"from the form"}']);
  });

  it('is readable on a narrow screen: nothing scrolls sideways', async () => {
    const page = await open({ width: 360, height: 740 });
    await joinRoom(page, 'narrow', unique('room'));
    await sendMessage(page, 'x'.repeat(300));
    await waitForMessage(page, 'x'.repeat(300));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('"Load older messages" pages back to the beginning of the room', async () => {
    // A gateway of its own: 5 messages on join, and no frame limit for the writer.
    const small = await Service.start('chat-gateway', { HISTORY_ON_JOIN: '5', RATE_LIMIT: '0' });
    try {
      const room = unique('older');
      const writer = await ChatTestClient.named(small.ws, 'writer');
      await writer.joinRoom(room);
      const texts = Array.from({ length: 12 }, (_, i) => `old ${i}`);
      for (const text of texts) await writer.say(room, text);
      await writer.close();

      const opened = await openDemo(browser, { ...urls, gateway: `${small.ws}/ws` });
      pages.push(opened.page);
      const page = opened.page;
      await joinRoom(page, 'reader', room);
      await waitForMessage(page, 'old 11');
      expect(await messageTexts(page)).toEqual(texts.slice(7));
      const button = page.getByRole('button', { name: 'Load older messages' });
      await button.click();
      await waitForMessage(page, 'old 0');
      expect(await messageTexts(page)).toEqual(texts);
      await waitUntil(async () => !(await button.isVisible()), { message: 'the button hidden at the beginning' });
      expect(await page.locator('#older-state').textContent()).toBe('This is the beginning of the room.');
    } finally {
      expect(await small.stop()).toBe(0);
    }
  });
});
