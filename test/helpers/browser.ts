// Headless Chromium for end-to-end tests, driven by playwright-core with the
// system's browser (apt's `chromium`): playwright-core never downloads one.
// Records what a user would never want to see: console errors (CSP violations
// are reported there) and uncaught page errors.
import { existsSync } from 'node:fs';
import { chromium, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM = process.env.TEST_CHROMIUM ?? '/usr/bin/chromium';

export interface TestBrowser {
  page: Page;
  /** Console errors and warnings, and uncaught exceptions, in order, with where they came from. */
  problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the dashboard's end-to-end test needs it; install it with \`apt-get install chromium\` (see .ci/run)`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 60_000,
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        const { url, lineNumber } = message.location();
        problems.push(`console ${message.type()}: ${message.text()}${url ? ` (${url}${lineNumber ? `:${lineNumber}` : ''})` : ''}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.stack ?? error.message}`));
    return { page, problems, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
