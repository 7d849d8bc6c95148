import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../src/root.js';
import { createDemoWebLink } from '../../src/channels/web/demo.js';
import { startWeb, type WebHarness } from '../channels/web/harness.js';

/**
 * The web chat in a real browser (Debian's Chromium, headless; Playwright never downloads one) against the
 * embedded default (memory store, JSONL file): by clicks and by keyboard only, back and language, the safety
 * net, a second browser refused, a reload mid-way. axe-core checks every screen for WCAG 2.1 A/AA problems;
 * screenshots of the first question and the review on a 360×640 phone go to test/artifacts/ for a person to see.
 */
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const PHONE = { width: 360, height: 640 };

let web: WebHarness;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Every serious or critical axe finding, with the screen it was found on. */
const findings: string[] = [];
const screensChecked: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  web = await startWeb();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await web?.close();
});

async function newPage(o: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: PHONE, locale: 'nl-BE', ...o });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(5_000);
  return page;
}

/**
 * Runs axe (WCAG 2.1 A and AA rules) on the screen as it is now; serious and critical violations are collected and
 * fail the suite. Legacy mode runs axe inside the page instead of opening a blank page per check to merge frame
 * results: the chat has no frames, and it halves the time of each check.
 */
async function axe(page: Page, screen: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).setLegacyMode(true).options({ resultTypes: ['violations'] }).analyze();
  screensChecked.push(screen);
  for (const v of result.violations) {
    if (v.impact === 'serious' || v.impact === 'critical') findings.push(`${screen}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }
  for (const small of await smallTargets(page)) findings.push(`${screen}: tap target smaller than 44×44 px: ${small}`);
}

/** Every visible button, link and text field smaller than 44×44 CSS px (WCAG 2.5.5), as "label (w×h)". */
const smallTargets = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, a[href], input:not([type=hidden]), textarea')]
      .map((el) => ({ label: el.innerText?.trim() || el.id || el.tagName, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0 && (box.width < 44 || box.height < 44))
      .map(({ label, box }) => `${label} (${Math.round(box.width)}×${Math.round(box.height)})`),
  );

const h1 = (page: Page) => page.locator('h1').innerText();
const progress = (page: Page) => page.locator('.progress').innerText();
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');
/** Does something that submits a form, and waits for the page it leads to (POST → 303 → GET). */
const navigating = async (page: Page, act: () => Promise<void>) => {
  await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), act()]);
};
const click = (page: Page, label: string) => navigating(page, () => page.getByRole('button', { name: label, exact: true }).click());

/** Landing page → "Open de vragen" → the flow's intro. */
async function openInvite(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await axe(page, 'landing');
  await click(page, 'Open de vragen');
  expect(await h1(page)).toBe('Hallo! Hoe was het?');
}

// A browser and axe are heavy on a shared 2-CPU runner: generous bounds, though a quiet machine needs a fraction.
describe('web chat in a browser', { timeout: 90_000 }, () => {
  it('walks through the demo child check-in by clicks, focus on each new question', async () => {
    const page = await newPage();
    await openInvite(page, web.local(await createDemoWebLink(web.wiring.checkins, 'nl')));
    await axe(page, 'intro');
    await click(page, 'Start');
    expect(await progress(page)).toContain('Vraag 1 van 5');
    expect(await focusedId(page)).toBe('q');
    await page.screenshot({ path: join(ARTIFACTS, 'web-first-question-360x640.png'), fullPage: true });
    await axe(page, 'question (smileys)');
    for (const label of ['🙂 ja', '😐 een beetje', '🙂 ja']) {
      await click(page, label);
      expect(await focusedId(page)).toBe('q');
    }
    expect(await progress(page)).toContain('Vraag 4 van 5');
    await axe(page, 'question (0–10)');
    await click(page, '8');
    await axe(page, 'question (open text)');
    await page.getByLabel('Je antwoord').fill('Het gaat goed.');
    await click(page, 'Stuur');
    expect(await h1(page)).toBe('Dit zijn je antwoorden:');
    expect(await page.locator('main').innerText()).toContain('Het gaat goed.');
    await page.screenshot({ path: join(ARTIFACTS, 'web-review-360x640.png'), fullPage: true });
    await axe(page, 'review');
    await click(page, 'Verstuur');
    expect(await h1(page)).toMatch(/^Dankjewel!/);
    await axe(page, 'thanks');
  });

  it('the parent 0–10 safety question fits a 360×640 phone: all eleven buttons above the fold, the caption\'s anchors the question\'s', async () => {
    const page = await newPage();
    await page.goto((await web.invite({ flow: 'parent-checkin' })).url);
    await click(page, 'Open de vragen');
    await click(page, 'Start');
    for (let i = 0; i < 4; i++) await click(page, '4');
    expect(await progress(page)).toContain('Vraag 5 van 5');
    expect(await h1(page)).toMatch(/^Op een schaal van 0 tot 10/);
    expect(await page.getByText('0 = de kinderen kunnen niet thuis wonen … 10 = veilig genoeg om de begeleiding af te sluiten').isVisible()).toBe(true);
    const bottoms = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLButtonElement>('form.answers button')].filter((b) => /^\d+$/.test(b.innerText.trim())).map((b) => b.getBoundingClientRect().bottom),
    );
    expect(bottoms).toHaveLength(11);
    expect(Math.max(...bottoms)).toBeLessThanOrEqual(PHONE.height);
    await axe(page, 'parent question (0–10)');
    await click(page, '7');
    await page.getByLabel('Je antwoord').fill('Er is meer rust.'); // the follow-up "why"
    await click(page, 'Stuur');
    expect(await h1(page)).toBe('Dit zijn je antwoorden:');
    const look = (name: string) => page.getByRole('button', { name, exact: true }).evaluate((b) => getComputedStyle(b).backgroundColor);
    expect(await look('Verstuur')).not.toBe(await look('Pas aan')); // the primary action is filled, the secondary outlined
  });

  it('walks through a check-in with the keyboard only', async () => {
    const page = await newPage();
    await page.goto((await web.invite({ ageBand: 'teen' })).url);
    /** Tabs until the control named `name` (its text, or its id) has focus; bounded. */
    const tabTo = async (name: string) => {
      for (let i = 0; i < 30; i++) {
        await page.keyboard.press('Tab');
        const at = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText?.trim() || document.activeElement?.id || '');
        if (at === name) return;
      }
      throw new Error(`"${name}" cannot be reached with Tab`);
    };
    const press = async (name: string, key = 'Enter') => {
      await tabTo(name);
      await navigating(page, () => page.keyboard.press(key));
    };
    await press('Open de vragen');
    await press('Start', 'Space');
    expect(await progress(page)).toContain('Vraag 1 van 5');
    await press('🙂 ja');
    await tabTo('t'); // the typed-answer field; Enter sends what was typed
    await page.keyboard.type('een beetje');
    await navigating(page, () => page.keyboard.press('Enter'));
    expect(await progress(page)).toContain('Vraag 3 van 5');
    await press('Sla over');
    await press('10');
    expect(await focusedId(page)).toBe('q');
    await press('Sla over');
    expect(await h1(page)).toBe('Dit zijn je antwoorden:');
    await press('Verstuur');
    expect(await h1(page)).toMatch(/^Bedankt!/);
  });

  it('goes back a question and switches language (lang attribute follows)', async () => {
    const page = await newPage();
    await openInvite(page, (await web.invite()).url);
    await click(page, 'Start');
    await click(page, '🙂 ja');
    expect(await progress(page)).toContain('Vraag 2 van 5');
    await click(page, 'Terug');
    expect(await progress(page)).toContain('Vraag 1 van 5');
    await click(page, 'Andere taal');
    await axe(page, 'language menu');
    await expect(page.getByRole('button', { name: 'Français' }).getAttribute('lang')).resolves.toBe('fr');
    await click(page, 'Français');
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await progress(page)).toContain('Question 1 sur 5');
    expect(await focusedId(page)).toBe('said'); // "we continue in French" is read first
    await axe(page, 'question in French');
  });

  it('shows the safety-net help with numbers to call, and focuses it', async () => {
    const page = await newPage();
    await openInvite(page, (await web.invite()).url);
    await click(page, 'Start');
    for (const label of ['🙂 ja', '🙂 ja', '🙂 ja', '1']) await click(page, label);
    const help = page.locator('section.help');
    await expect(help.getByRole('link', { name: '112' }).getAttribute('href')).resolves.toBe('tel:112');
    await expect(help.getByRole('link', { name: 'Awel 102' }).getAttribute('href')).resolves.toBe('tel:102');
    expect(await focusedId(page)).toBe('said');
    await axe(page, 'safety-net help');
    await click(page, 'Hulp'); // the footer's help: the same help section, with the usual words
    expect(await page.locator('section.help').count()).toBe(1);
    expect(await page.locator('section.help').innerText()).toContain('Ik stel je één vraag per keer');
  });

  it('refuses a second browser and resumes the first one at the same question after a reload', async () => {
    const first = await newPage();
    const { url } = await web.invite();
    await openInvite(first, url);
    await click(first, 'Start');
    await click(first, '🙂 ja');
    const asked = await h1(first);
    await first.reload();
    expect(await h1(first)).toBe(asked);
    expect(await progress(first)).toContain('Vraag 2 van 5');

    const second = await newPage();
    await second.goto(url);
    await click(second, 'Open de vragen');
    expect(await h1(second)).toBe('Deze link is al in gebruik');
    await axe(second, 'link in use');
    await first.reload();
    expect(await progress(first)).toContain('Vraag 2 van 5');
  });

  it('works with JavaScript switched off (plain forms)', async () => {
    const page = await newPage({ javaScriptEnabled: false });
    await page.goto((await web.invite()).url);
    await click(page, 'Open de vragen');
    await click(page, 'Start');
    await page.getByLabel('Of typ je antwoord').fill('ja');
    await click(page, 'Stuur');
    expect(await progress(page)).toContain('Vraag 2 van 5');
    await click(page, 'Terug');
    expect(await progress(page)).toContain('Vraag 1 van 5');
  });

  it('finds no serious or critical accessibility violations on any screen', () => {
    expect(screensChecked.length).toBeGreaterThanOrEqual(11);
    expect(findings).toEqual([]);
  });
});
