import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ARTIFACTS_DIR, CHROMIUM } from './paths.js';

/**
 * Why browser tests cannot run here, or undefined when they can. In CI a missing
 * browser is a failure, not a skip (see `requireBrowser`).
 */
export function browserMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`;
}

export const IN_CI = Boolean(process.env.CI);

/** `extraArgs`: e.g. `--host-resolver-rules=…` to serve a page from a name that is not loopback. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** Saves a screenshot of each open page into test-artifacts/ (for a failed test). */
export async function screenshotPages(testName: string, pages: Page[]): Promise<string[]> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const safe = testName.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 80);
  const saved: string[] = [];
  for (const [i, page] of pages.entries()) {
    if (page.isClosed()) continue;
    const path = `${ARTIFACTS_DIR}/${safe}-${i}.png`;
    await page.screenshot({ path, fullPage: true }).then(
      () => saved.push(path),
      () => undefined,
    );
  }
  return saved;
}

/** Collects a page's console errors and uncaught exceptions, to attach to failures. */
export function pageLog(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') lines.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  return lines;
}
