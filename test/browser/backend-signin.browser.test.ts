import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from '../backend/support.js';
import { backendInBrowser, violations, type BackendInBrowser } from './backend-browser.js';

/**
 * The backend's own pages (sign-in, user management) in a real browser (Debian's Chromium, headless) on plain
 * http://127.0.0.1: the `__Host-` Secure cookie must still work there (a loopback origin is trustworthy), the
 * forms must work by keyboard, and axe-core must find no WCAG 2.1 A/AA problem on a phone-sized screen.
 */
let run: BackendInBrowser;
let base: string;

beforeAll(async () => {
  run = await backendInBrowser();
  base = run.base;
});
afterAll(() => run?.close());

describe('backend sign-in in a browser', { timeout: 90_000 }, () => {
  it('signs in by keyboard into the page asked for, manages users, signs out; axe finds nothing on any screen', async () => {
    const context = await run.browser.newContext({ viewport: { width: 360, height: 640 } });
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
