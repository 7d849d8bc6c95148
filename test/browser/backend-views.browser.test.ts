import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/backend/auth/users.js';
import { converse, PASSWORD, postWebhook, type TestBackend } from '../backend/support.js';
import { backendInBrowser, violations, type BackendInBrowser } from './backend-browser.js';

/**
 * The views in a real browser (Debian's Chromium, headless): axe-core finds no WCAG 2.1 A/AA problem on any of
 * them, on a phone (360×640) and on a desktop; nothing is wider than the phone's screen; a signal is acknowledged
 * by keyboard. With BACKEND_SCREENSHOTS=1 the pages are saved to docs/backend/ for docs/backend-views.md.
 */
const SCREENSHOTS = process.env.BACKEND_SCREENSHOTS === '1' ? 'docs/backend' : undefined;
const VIEWPORTS = { phone: { width: 360, height: 640 }, desktop: { width: 1280, height: 900 } } as const;
const WEEK = 7 * 86_400_000;

let run: BackendInBrowser;
let base: string;

/** A family of Team Noord over four check-ins (things improve), other families of both teams, two signals. */
async function seed(b: TestBackend): Promise<void> {
  await createUser(b.db, { email: 'worker@example.org', role: 'worker', teamRef: 'Noord', password: PASSWORD });
  const start = Date.now() - 8 * WEEK;
  const post = async (doc: unknown) => expect((await postWebhook(b.app, doc)).statusCode).toBe(204);
  for (const [i, v] of [2, 3, 4, 5].entries()) {
    await post(converse('parent-checkin', { id: `chk_b${i}`, caseRef: 'FAM-1', teamRef: 'Noord', pseudonym: 'ps_b1' }, { values: { p_heard: v, p_transparent: v, p_safety_scale: 3 + 2 * i } }, start + i * WEEK).response);
  }
  for (let i = 0; i < 6; i++) {
    await post(converse('parent-checkin', { id: `chk_o${i}`, caseRef: `FAM-${10 + i}`, teamRef: i % 2 ? 'Noord' : 'Zuid', pseudonym: `ps_o${i}` }, { values: { p_heard: 1 + (i % 5) } }, start + i * WEEK).response);
  }
  for (const [id, caseRef, minutesAgo] of [['chk_s1', 'FAM-1', 300], ['chk_s2', 'FAM-11', 10]] as const) {
    await post(converse('parent-checkin', { id, caseRef, teamRef: 'Noord', pseudonym: `ps_${id}` }, { values: { p_safety_scale: 0 } }, Date.now() - minutesAgo * 60_000).signals[0]!);
  }
}

beforeAll(async () => {
  run = await backendInBrowser(seed);
  base = run.base;
  if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(() => run?.close());

async function signIn(context: BrowserContext, email: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  expect(new URL(page.url()).pathname).toBe('/');
  return page;
}

/** Opens a view, checks it with axe and for sideways overflow, and saves a screenshot when asked. */
async function check(page: Page, path: string, name: string, size: keyof typeof VIEWPORTS) {
  const res = await page.goto(`${base}${path}`);
  expect(res?.status(), path).toBe(200);
  expect(await violations(page), `${path} at ${size}`).toEqual([]);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${path} at ${size} scrolls sideways`).toBeLessThanOrEqual(0);
  if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/${name}-${size}.png`, fullPage: true });
}

describe('backend views in a browser', { timeout: 180_000 }, () => {
  for (const size of ['phone', 'desktop'] as const) {
    it(`axe finds nothing on any view at ${VIEWPORTS[size].width}×${VIEWPORTS[size].height}`, async () => {
      const context = await run.browser.newContext({ viewport: VIEWPORTS[size] });
      const page = await signIn(context, 'admin@example.org');
      await check(page, '/', 'home', size);
      await check(page, '/cases/FAM-1', 'case', size);
      expect(await page.locator('svg.chart .marker').count()).toBeGreaterThanOrEqual(8);
      // The table under the chart opens and is read like any table.
      await page.getByText('The scores as a table').click();
      expect(await page.locator('details[open] tbody tr').count()).toBe(4);
      expect(await violations(page)).toEqual([]);
      await check(page, '/flows', 'flows', size);
      await check(page, '/flows/parent-checkin', 'flow', size);
      await check(page, '/signals', 'signals', size);
      await context.close();
    });
  }

  it('a worker acknowledges the oldest signal by keyboard; it leaves the queue for the history list', async () => {
    const context = await run.browser.newContext({ viewport: VIEWPORTS.phone });
    const page = await signIn(context, 'worker@example.org');
    await page.goto(`${base}/signals`);
    expect(await page.getByText('2 waiting, 1 overdue').count()).toBe(1);
    const first = page.locator('li.signal').first();
    expect(await first.getByRole('heading').innerText()).toBe('Overdue Case FAM-1');
    await first.getByLabel('What was done').fill('Called the family; safety plan agreed.');
    await first.getByLabel('What was done').press('Tab');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(await page.getByRole('status').innerText()).toContain('Acknowledged');
    expect(await page.getByText('1 waiting, 0 overdue').count()).toBe(1);
    expect(await page.locator('li.signal').count()).toBe(1);
    expect(await page.locator('table tbody tr').first().innerText()).toContain('Called the family; safety plan agreed.');
    expect(await violations(page)).toEqual([]);
    await context.close();
  });
});
