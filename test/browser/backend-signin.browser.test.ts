import type { AddressInfo } from 'node:net';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFirstAdmin } from '../../src/backend/auth/users.js';
import { PASSWORD, testBackend, type TestBackend } from '../backend/support.js';

/**
 * The backend's own pages (sign-in, user management) in a real browser (Debian's Chromium, headless) on plain
 * http://127.0.0.1: the `__Host-` Secure cookie must still work there (a loopback origin is trustworthy), the
 * forms must work by keyboard, and axe-core must find no WCAG 2.1 A/AA problem on a phone-sized screen.
 */
let b: TestBackend;
let base: string;
let browser: Browser;

beforeAll(async () => {
  b = await testBackend('pglite');
  await ensureFirstAdmin(b.db, 'admin@example.org', PASSWORD);
  await b.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
});
afterAll(async () => {
  await browser?.close();
  await b?.close();
});

async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).setLegacyMode(true).analyze();
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('backend sign-in in a browser', { timeout: 90_000 }, () => {
  it('signs in by keyboard into the page asked for, manages users, signs out; axe finds nothing on any screen', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);

    await page.goto(`${base}/admin/users`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await violations(page)).toEqual([]);

    await page.getByLabel('Email').fill('admin@example.org');
    await page.getByLabel('Password').fill('not the password');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(await page.getByRole('alert').innerText()).toBe('Email or password is not right.');
    expect(await violations(page)).toEqual([]);

    await page.getByLabel('Email').fill('admin@example.org');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).pathname).toBe('/admin/users');
    const session = (await context.cookies()).find((c) => c.name === '__Host-fbb');
    expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await violations(page)).toEqual([]);

    await page.getByLabel('Email').fill('worker@example.org');
    await page.getByLabel('Role').selectOption('worker');
    await page.getByLabel(/^Team/).fill('Team Noord');
    await page.getByLabel(/^First password/).fill('a long enough password');
    await Promise.all([page.waitForLoadState(), page.getByRole('button', { name: 'Add user' }).click()]);
    expect(await page.getByRole('status').innerText()).toBe('Added worker@example.org (worker).');
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await violations(page)).toEqual([]);

    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign out' }).click()]);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.goto(`${base}/admin/users`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });
});
