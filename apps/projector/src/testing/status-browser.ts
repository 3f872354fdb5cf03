import { existsSync } from 'node:fs';
import { onCleanup } from '@checkout/testkit';
import { chromium, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it when missing). */
const CHROMIUM = '/usr/bin/chromium';

/**
 * A headless Debian chromium page that sends the bearer token with every request, closed at
 * cleanup. No JavaScript: the status page must be readable without it, and a value that
 * slipped past the escaping could not run anyway.
 */
export async function openBrowserPage(token: string): Promise<Page> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespace for chromium's sandbox.
    args: ['--no-sandbox'],
  });
  onCleanup(() => browser.close());
  const context = await browser.newContext({
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
    javaScriptEnabled: false,
    viewport: { width: 1280, height: 900 },
  });
  return context.newPage();
}

/** The cells of the status page's row for one topic-partition, as the browser shows them. */
export async function partitionRow(page: Page, topic: string, partition: number) {
  const cells = await page.locator(`tr[data-partition="${topic}:${partition}"] td`).allInnerTexts();
  const [, , checkpoint, highWatermark, lag, lagSeconds, state] = cells;
  return { checkpoint, highWatermark, lag, lagSeconds, state };
}
