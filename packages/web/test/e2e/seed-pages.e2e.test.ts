import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IN_CI, browserMissing, launchChromium, screenshotPages } from './harness/browser.js';
import { REPO_DIR } from './harness/paths.js';
import { serveStatic } from './harness/static-server.js';
import { portIsFree, Service, stopAllServices, waitUntil } from '@herald/testkit';

const missing = browserMissing();
if (missing && !IN_CI) console.log(`skipping the seed page e2e tests: ${missing}`);

// The seed's pages are unchanged: they hard-code these.
const GATEWAY_PORT = 8080;
const STREAM_PORT = 8088;

describe.skipIf(missing !== undefined && !IN_CI)("the seed's unchanged example pages", () => {
  let browser: Browser;
  let gateway: Service;
  let stream: Service;
  let chatSite: Awaited<ReturnType<typeof serveStatic>>;
  let sseSite: Awaited<ReturnType<typeof serveStatic>>;
  let pages: Page[] = [];

  beforeAll(async () => {
    if (missing) throw new Error(missing);
    for (const port of [GATEWAY_PORT, STREAM_PORT]) {
      if (!(await portIsFree(port))) {
        throw new Error(
          `port ${port} is taken: the seed pages hard-code ws://localhost:8080 and http://localhost:8088/sse/, ` +
            'so this test needs both ports free (is `pnpm start` running?)',
        );
      }
    }
    [gateway, stream, chatSite, sseSite, browser] = await Promise.all([
      Service.start('chat-gateway', { LOG_LEVEL: 'info' }, { port: GATEWAY_PORT, inheritEnv: true }),
      Service.start('event-stream', { LOG_LEVEL: 'info' }, { port: STREAM_PORT, inheritEnv: true }),
      serveStatic(`${REPO_DIR}apps/chat-gateway/examples`),
      serveStatic(`${REPO_DIR}apps/event-stream/examples`),
      launchChromium(),
    ]);
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
    await Promise.all([chatSite?.close(), sseSite?.close()]);
    await Promise.all([gateway?.stop(), stream?.stop()]);
    await stopAllServices();
  });

  /** Opens the seed chat page; resolves once its socket logged that it is open. */
  async function openSeedChat(): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    pages.push(page);
    let open = false;
    page.on('console', (m) => {
      if (m.text().includes('WebSocket 连接成功')) open = true;
    });
    await page.goto(`${chatSite.url}/seed-chat.html`);
    await waitUntil(() => open, { message: 'the seed chat socket to open' });
    return page;
  }

  it('two seed chat tabs exchange messages through raw mode', async () => {
    const a = await openSeedChat();
    const b = await openSeedChat();
    const token = Math.random().toString(36).slice(2, 8);

    await a.locator('#messageInput').fill(`hello from a ${token}`);
    await a.locator('#sendButton').click();
    await waitUntil(async () => (await b.locator('#chatBox').textContent())?.includes(`hello from a ${token}`), { message: 'b to receive' });
    await b.locator('#messageInput').fill(`hello from b ${token}`);
    await b.locator('#sendButton').click();
    await waitUntil(async () => (await a.locator('#chatBox').textContent())?.includes(`hello from b ${token}`), { message: 'a to receive' });

    const lines = ((await a.locator('#chatBox').textContent()) ?? '').split('\n').filter((l) => l.includes(token));
    expect(lines).toEqual([`hello from a ${token}`, `hello from b ${token}`]);
  });

  it('the seed SSE page lists a new time each second', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    pages.push(page);
    await page.goto(`${sseSite.url}/seed-sse.html`);
    const items = await waitUntil(
      async () => {
      const texts = await page.locator('#ul li').allTextContents();
      return texts.length >= 3 ? texts : undefined;
    },
      { message: 'three times listed' },
    );
    expect(new Set(items).size).toBe(items.length);
    expect(Number.isNaN(Date.parse(items[0] ?? ''))).toBe(false);
  });
});
