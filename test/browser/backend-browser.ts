import type { AddressInfo } from 'node:net';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureFirstAdmin } from '../../src/backend/auth/users.js';
import { PASSWORD, testBackend, type TestBackend } from '../backend/support.js';

export interface BackendInBrowser {
  b: TestBackend;
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * The backend on embedded PGlite with admin@example.org (PASSWORD), `seed` run before it listens on a loopback
 * port, and Debian's Chromium (headless, never a downloaded browser) to look at it.
 */
export async function backendInBrowser(seed?: (b: TestBackend) => Promise<void>): Promise<BackendInBrowser> {
  const b = await testBackend('pglite');
  await ensureFirstAdmin(b.db, 'admin@example.org', PASSWORD);
  await seed?.(b);
  await b.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  return { b, base, browser, close: async () => (await browser.close(), await b.close()) };
}

/** What axe-core (WCAG 2.1 A and AA rules) finds on the page as it is now, one line per rule. */
export async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).setLegacyMode(true).analyze();
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
