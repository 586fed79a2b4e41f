import type { Browser, Page } from 'playwright-core';
import { pageLog } from './browser.js';
import { waitUntil } from '@herald/testkit';

export interface DemoUrls {
  page: string;
  gateway: string;
  stream: string;
}

/** Opens the demo page pointed at the given services (through its query parameters). */
export async function openDemo(browser: Browser, urls: DemoUrls, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const log = pageLog(page);
  const query = new URLSearchParams({ gateway: urls.gateway, stream: urls.stream });
  await page.goto(`${urls.page}/?${query}`);
  return { page, log };
}

/** Joins a room with the keyboard: type the name and room, press Enter. */
export async function joinRoom(page: Page, name: string, room: string): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Room', { exact: true }).fill(room);
  await page.getByLabel('Room', { exact: true }).press('Enter');
  await waitForChatState(page, 'open');
}

export async function waitForChatState(page: Page, state: string, timeoutMs = 30_000): Promise<void> {
  await waitUntil(async () => (await page.locator('#chat-state').getAttribute('data-state')) === state, { timeoutMs: timeoutMs, message: `chat state ${state}` });
}

export async function sendMessage(page: Page, text: string): Promise<void> {
  const input = page.getByLabel('Message', { exact: true });
  await input.fill(text);
  await input.press('Enter');
}

export function messageTexts(page: Page): Promise<string[]> {
  return page.locator('#messages li .text').allTextContents();
}

export function memberNames(page: Page): Promise<string[]> {
  return page.locator('#members li').allTextContents();
}

/** Waits until the message list holds `text` (and returns how often it holds it). */
export async function waitForMessage(page: Page, text: string, timeoutMs = 30_000): Promise<number> {
  return waitUntil(async () => (await messageTexts(page)).filter((t) => t === text).length, { timeoutMs: timeoutMs, message: `message "${text}"` });
}
