import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRetention } from '../../support/retention-audit.js';
import { redisUrl } from '../../support/redis.js';
import { createDemoWebLink } from '../../../src/channels/web/demo.js';
import { CSP } from '../../../src/http/security.js';
import { checkAfterSignal } from '../../support/after-signal.js';
import { freshRedis } from '../../support/redis.js';
import { buttonValue, heading, pageText, WebClient } from './client.js';
import { startWeb, type WebHarness } from './harness.js';

/**
 * The web chat over real HTTP on real Redis (DB 6): headers and cookie flags, binding on "open" (never on a GET),
 * CSRF and origin checks, a second browser refused, duplicate submits applied once, the whole check-in by posts.
 */
let redis: Redis;
let web: WebHarness;
beforeAll(async () => {
  redis = await freshRedis(6);
  web = await startWeb({ redisDb: 6 });
});
afterAll(async () => {
  await auditRetention(redisUrl(6), ['Dank je']);
  await web.close();
  await redis.quit();
}, 30_000);

/** Opens an invite in a fresh browser: landing page, then the "open" button, which leads to the flow's intro. */
async function opened(url: string, intro = 'Hallo! Hoe was het?', acceptLanguage?: string): Promise<WebClient> {
  const client = new WebClient(web.base, acceptLanguage);
  await client.get(url);
  const page = await client.submit(url, { open: '1' });
  expect(heading(page.html)).toBe(intro);
  return client;
}

const cookieLine = (page: { headers: Headers }, name: string) => page.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));

describe('web chat pages', () => {
  it('serves the landing page with a strict CSP and binds nothing on a GET (link previews fetch links too)', async () => {
    const { url, id } = await web.invite();
    const page = await new WebClient(web.base).get(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(CSP).toContain("default-src 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('permissions-policy')).toMatch(/^camera=\(\), microphone=\(\), geolocation=\(\)/);
    expect(page.html).toContain('<html lang="nl">');
    expect(page.html).not.toMatch(/<script>|style="|https?:\/\//); // no inline code, nothing third-party
    expect(cookieLine(page, '__Host-fbw')).toBeUndefined();
    expect(cookieLine(page, '__Host-fbw-open')).toMatch(/; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/);
    expect((await web.wiring.checkins.get(id))?.status).toBe('created');
  });

  it('binds the invite to the browser that opens it, with an HttpOnly, Secure, SameSite=Strict cookie', async () => {
    const { url, id } = await web.invite();
    const client = new WebClient(web.base);
    await client.get(url);
    const posted = await client.post(url, { open: '1' });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(new URL(url).pathname);
    expect(cookieLine(posted, '__Host-fbw')).toMatch(/^__Host-fbw=[A-Za-z0-9_-]{22}; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/);
    const checkin = await web.wiring.checkins.get(id);
    expect(checkin?.status).toBe('opened');
    expect(checkin?.boundTo).toMatch(/^web:[A-Za-z0-9_-]{22}$/);
    expect(checkin?.boundTo).not.toContain(client.cookies.get('__Host-fbw')); // the key is a pseudonym of the cookie
  });

  it('tells a second browser the link is in use and how to get a new one', async () => {
    const { url } = await web.invite();
    await opened(url);
    const other = new WebClient(web.base);
    await other.get(url);
    const refused = await other.post(url, { open: '1' });
    expect(refused.status).toBe(409);
    expect(heading(refused.html)).toBe('Deze link is al in gebruik');
    expect(refused.html).toContain('Vraag je begeleider om een nieuwe link');
  });

  it('refuses a forged form: wrong CSRF token, another origin, a cross-site fetch, no open cookie', async () => {
    const { url } = await web.invite();
    const client = await opened(url);
    const start = buttonValue((await client.get(url)).html, 'Start');
    const forged = [
      await client.post(url, { b: start, csrf: 'x'.repeat(22) }),
      await client.post(url, { b: start }, { headers: { origin: 'https://evil.example' } }),
      await client.post(url, { b: start }, { headers: { origin: 'null' } }),
      await client.post(url, { b: start }, { headers: { 'sec-fetch-site': 'cross-site' } }),
      await client.post(url, { b: start }, { hidden: {} }),
    ];
    for (const r of forged) {
      expect(r.status).toBe(403);
      expect(r.headers.get('content-security-policy')).toBe(CSP);
    }
    expect(heading((await client.get(url)).html)).toBe('Hallo! Hoe was het?'); // nothing moved
    // Behind a TLS proxy the page's origin is PUBLIC_URL's, whatever scheme reached the server.
    const viaProxy = await client.post(url, { b: start }, { headers: { origin: 'https://feedback.example' } });
    expect(viaProxy.status).toBe(303);

    const other = new WebClient(web.base);
    await other.get((await web.invite()).url);
    other.cookies.delete('__Host-fbw-open');
    expect((await other.post(url, { open: '1' })).status).toBe(403);
  });

  it('the intro and help name the page\'s buttons, never slash commands (the page has no command line)', async () => {
    const { url } = await web.invite();
    const client = await opened(url);
    const intro = (await client.get(url)).html;
    expect(intro).toContain('Zullen we beginnen?');
    expect(intro).not.toMatch(/\/(stop|terug|taal|hulp|wis)\b/);
    let page = await client.submit(url, { b: buttonValue(intro, 'Start') });
    page = await client.submit(url, { cmd: 'help' }, { form: 1 });
    expect(page.html).toContain('Onder „Meer mogelijkheden” kies je een andere taal');
    expect(page.html).not.toMatch(/\/(stop|terug|taal|hulp|wis|antwoorden)\b/);
  });

  it('renders the current question on every GET without changing it, and shows what the last turn said once', async () => {
    const { url } = await web.invite();
    const client = await opened(url);
    let page = await client.submit(url, { b: buttonValue((await client.get(url)).html, 'Start') });
    expect(page.html).toContain('Vraag 1 van 5');
    page = await client.submit(url, { b: buttonValue(page.html, '🙂 ja') });
    expect(page.html).toContain('Vraag 2 van 5');
    expect(page.html).toContain('Je antwoord: ja');
    const again = await client.get(url);
    expect(heading(again.html)).toBe(heading(page.html));
    expect(again.html).toContain('Vraag 2 van 5');
    expect(again.html).not.toContain('Je antwoord: ja');
  });

  it('brings a bound browser arriving from another site (its Strict cookie withheld) back to its question', async () => {
    const { url } = await web.invite();
    const client = await opened(url);
    const first = await client.submit(url, { b: buttonValue((await client.get(url)).html, 'Start') });
    await client.submit(url, { b: buttonValue(first.html, '🙂 ja') });
    const binding = client.cookies.get('__Host-fbw')!;
    client.cookies.delete('__Host-fbw'); // a link tapped in webmail: SameSite=Strict keeps the cookie home
    expect(heading((await client.get(url)).html)).toBe('Hoe gaat het met de begeleiding?');
    client.cookies.set('__Host-fbw', binding); // the landing page's form is same-site: the cookie comes along
    const back = await client.submit(url, { open: '1' });
    expect(back.html).toContain('Vraag 2 van 5');
    expect(client.cookies.get('__Host-fbw')).toBe(binding);
  });

  it('applies a double submit of the same form once', async () => {
    const { url } = await web.invite();
    const client = await opened(url);
    await client.submit(url, { b: buttonValue((await client.get(url)).html, 'Start') });
    const form = client.forms[1]!; // the typed-answer form
    expect((await client.post(url, { text: 'ja' }, { hidden: form })).status).toBe(303);
    expect((await client.post(url, { text: 'ja' }, { hidden: form })).status).toBe(303);
    expect((await client.get(url)).html).toContain('Vraag 2 van 5');
  });

  it('runs a whole child check-in by posts: typed answers, the safety net as tel: links, the review, sent', async () => {
    const { url, id } = await web.invite();
    const client = await opened(url);
    let page = await client.submit(url, { b: buttonValue((await client.get(url)).html, 'Start') });
    page = await client.submit(url, { text: 'ja' }, { form: 1 });
    page = await client.submit(url, { b: buttonValue(page.html, '😐 een beetje') });
    page = await client.submit(url, { b: buttonValue(page.html, 'Weet ik niet') });
    expect(page.html).toContain('Vraag 4 van 5');
    page = await client.submit(url, { b: buttonValue(page.html, '2') });
    expect(page.html).toContain('<a href="tel:112">112</a>');
    expect(page.html).toContain('<a href="tel:102">Awel 102</a>');
    expect(page.html).toContain('<textarea id="t" name="text"');
    page = await client.submit(url, { text: 'Dank je' }, { form: 1 });
    expect(heading(page.html)).toBe('Dit zijn je antwoorden:');
    page = await client.submit(url, { b: buttonValue(page.html, 'Verstuur') });
    // The low safety answer fired the safety net: the closing repeats the help lines as links, without celebration,
    // and the help button stays (nothing else can be pressed).
    expect(heading(page.html)).toBe('Dank je om te antwoorden. Je antwoorden zijn verstuurd.');
    expect(page.html).toContain('<a href="tel:112">112</a>');
    expect(page.html).not.toContain('🌟');
    expect(page.html).not.toContain('name="b"');
    expect(page.html).toContain('<button type="submit" name="cmd" value="help">Hulp</button>');
    expect((await web.wiring.checkins.get(id))?.status).toBe('completed');
    const sent = readFileSync(join(web.dataDir, 'responses.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const doc = sent.find((d) => d.checkinId === id);
    expect(doc.channel).toBe('web');
    expect(doc.answers.find((a: { item: string }) => a.item === 'c_safety_path').value).toBe(2);
    expect(doc.flags.lowSafety).toBe(true);
  });

  it('after "/wis" says goodbye in the conversation\'s language, then that it is closed in the browser\'s', async () => {
    const { url, id } = await web.invite({ locale: 'fr' });
    const client = await opened(url, 'Bonjour ! Comment ça s\'est passé\u00a0?', 'fr-BE,fr;q=0.9');
    await client.submit(url, { b: buttonValue((await client.get(url)).html, 'Commencer') });
    let page = await client.submit(url, { text: '/wis' }, { form: 1 });
    page = await client.submit(url, { b: buttonValue(page.html, 'Oui, tout effacer') });
    expect(page.html).toContain('<html lang="fr">');
    expect(heading(page.html)).toMatch(/^Effacé/);
    page = await client.get(url);
    expect(heading(page.html)).toBe('Cette conversation est terminée');
    expect((await web.wiring.checkins.get(id))?.status).toBe('declined');
  });

  it('answers unknown and malformed tokens with a kind 404 page', async () => {
    const client = new WebClient(web.base);
    const unknown = `${web.base}/c/${'A'.repeat(32)}`;
    await client.get(unknown);
    const refused = await client.post(unknown, { open: '1' });
    expect(refused.status).toBe(404);
    expect(heading(refused.html)).toBe('Deze link werkt niet');
    expect((await client.get(`${web.base}/c/short`)).status).toBe(404);
  });

  it('serves its style sheet and script from the bot, cached for good', async () => {
    const page = await new WebClient(web.base).get((await web.invite()).url);
    for (const path of [/href="(\/web\/style\.[0-9a-f]{12}\.css)"/, /src="(\/web\/focus\.[0-9a-f]{12}\.js)"/].map((re) => re.exec(page.html)![1]!)) {
      const res = await fetch(`${web.base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('immutable');
      expect((await res.text()).length).toBeGreaterThan(50);
    }
  });

  it('makes a demo check-in whose link opens the page', async () => {
    const link = await createDemoWebLink(web.wiring.checkins, 'nl');
    expect(link).toMatch(/^https:\/\/feedback\.example\/c\/[A-Za-z0-9_-]{32}$/);
    const client = await opened(web.local(link));
    expect(client.cookies.has('__Host-fbw')).toBe(true);
  });
});

describe('web chat rate limits (embedded default: memory counters)', () => {
  let limited: WebHarness;
  beforeAll(async () => {
    limited = await startWeb({ limits: { perIp: { limit: 4, windowSeconds: 60 } } });
  });
  afterAll(() => limited.close());

  it('answers 429 with Retry-After once an IP made too many requests', async () => {
    const { url } = await limited.invite();
    const client = new WebClient(limited.base);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await client.get(url)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const page = await client.get(url);
    expect(page.status).toBe(429);
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(heading(page.html)).toBe('Even geduld');
  });
});

describe('web chat: after the safety net', () => {
  it('shows help first, asks again kindly, and closes with the help lines and no 🌟', async () => {
    const { url } = await web.invite();
    const client = await opened(url);
    await checkAfterSignal(async (lines) => {
      const shown: string[] = [];
      for (const text of lines) shown.push(pageText((await client.submit(url, { text }, { form: 0 })).html));
      return shown;
    }, web.core.texts);
  });
});
