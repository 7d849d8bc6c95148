import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { choicesOf, startHarness, textOf, type Harness, type WaUser } from './harness.js';

/**
 * The 24-hour customer-service window, on the embedded memory store: reminders and follow-up check-ins inside the
 * window go out as they are; outside it they need an approved template (`WHATSAPP_TEMPLATES`), and what the template
 * stands in for is said once the person answers; without a template the check-in is unreachable.
 */

const HOUR = 3600;
const longAgo = () => Math.floor(Date.now() / 1000) - 25 * HOUR;
let nextUser = 32_476_000_100;

/** What the bot's reminder timer does (app.ts `onTimer`): a timer turn, said through the channel's outbound. */
async function remind(h: Harness, u: WaUser): Promise<'sent' | 'unreachable'> {
  const { prompts } = await h.core.runner.handle({ key: u.key, input: { kind: 'timer', timer: 'reminder' } });
  expect(prompts.length).toBeGreaterThan(0);
  const said = await h.core.outbound.get('wa')!.send(u.key, prompts);
  await h.channel.settled();
  return said;
}

/** A person who opened a check-in and started it, their last message `timestamp` (epoch s). */
async function started(h: Harness, timestamp: number, locale: 'nl' | 'fr' = 'nl'): Promise<{ u: WaUser; id: string }> {
  const u = h.user(String(nextUser++));
  const { id, token } = await h.invite('parent-checkin', { locale });
  await u.start(token, { timestamp });
  await h.post(u.tap('st', { timestamp }));
  return { u, id };
}

describe('without templates', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ db: false, pace: { intervalMs: 100, burst: 3 } });
  });
  afterAll(() => h.close());

  it('a reminder inside the window goes out as it is: the reminder and the question again', async () => {
    const { u, id } = await started(h, Math.floor(Date.now() / 1000));
    const at = u.messages().length;
    expect(await remind(h, u)).toBe('sent');
    const said = u.messages().slice(at);
    expect(textOf(said[0])).toMatch(/staat nog open/);
    expect(choicesOf(said.at(-1)).map((c) => c.title).slice(0, 5)).toEqual(['1', '2', '3', '4', '5']);
    expect((await h.wiring.checkins.get(id))?.status).toBe('in_progress');
  });

  it('a reminder outside the window: nothing is sent and the check-in is unreachable', async () => {
    const { u, id } = await started(h, longAgo());
    const calls = h.api.calls.length;
    expect(await remind(h, u)).toBe('unreachable');
    expect(h.api.calls.length).toBe(calls);
    expect((await h.wiring.checkins.get(id))?.status).toBe('unreachable');
  });

  it('WhatsApp refusing a message for the window (131047) counts as outside it', async () => {
    const { u, id } = await started(h, Math.floor(Date.now() / 1000));
    h.api.failNext({ status: 400, code: 131047, to: u.waId });
    expect(await remind(h, u)).toBe('unreachable');
    expect((await h.wiring.checkins.get(id))?.status).toBe('unreachable');
    expect(h.errors).toContain('131047');
  });

  it('consent to follow-ups is not asked: without a check-in template the bot cannot write weeks later', async () => {
    const u = h.user(String(nextUser++));
    const { token } = await h.invite('parent-checkin', { respondentRef: 'WA-REF-0' });
    await u.start(token);
    for (const text of ['start', '4', '4', '4', '4', '7', 'liever niet', 'verstuur']) await u.say(text);
    expect(u.texts().at(-1)).toMatch(/Bedankt/);
    expect((await h.core.store.load(u.key))?.state.snap.value).toBe('done');
  });

  it('paces each person: after a burst, messages to one person are spaced, and others are not held up', async () => {
    const { u } = await started(h, Math.floor(Date.now() / 1000));
    const other = h.user(String(nextUser++));
    await new Promise((r) => setTimeout(r, 400)); // the burst allowance refills
    const from = h.api.messages().length;
    const five = h.core.outbound.get('wa')!.send(u.key, ['1', '2', '3', '4', '5'].map((text) => ({ kind: 'message' as const, text })));
    await other.say('hallo');
    await five;
    const mine = h.api.messages(u.waId).slice(-5);
    expect(mine.map(textOf)).toEqual(['1', '2', '3', '4', '5']);
    // The burst of three left at once; the last two waited their turn while the other person was answered.
    const order = h.api.messages().slice(from).map((m) => (m.to === u.waId ? textOf(m) : 'other'));
    expect(order.indexOf('other')).toBeLessThan(order.indexOf('5'));
    expect(h.api.messages().length - from).toBe(6);
  });
});

describe('with templates', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ db: false, env: { WHATSAPP_TEMPLATES: 'reminder=fb_reminder,checkin=fb_checkin,reminder.fr=fb_rappel' } });
  });
  afterAll(() => h.close());

  it('a reminder outside the window is the template; its answer brings the question, and the check-in goes on', async () => {
    const { u, id } = await started(h, longAgo());
    const at = u.messages().length;
    expect(await remind(h, u)).toBe('sent');
    expect(u.texts(at)).toEqual(['[template fb_reminder/nl]']);
    expect((await h.wiring.checkins.get(id))?.status).toBe('in_progress');
    await u.answerTemplate('Verder');
    const held = u.messages().slice(at + 1);
    expect(textOf(held[0])).toMatch(/^Vraag 1 van 5/);
    expect(choicesOf(held.at(-1)).slice(0, 5).map((c) => c.title)).toEqual(['1', '2', '3', '4', '5']);
    await u.press('a:4');
    expect(u.texts().at(-1)).toMatch(/^Je antwoord: akkoord\n\nVraag 2 van 5/);
    // Said once: tapping the template's button again brings nothing held.
    const now = u.messages().length;
    await u.answerTemplate('Verder');
    expect(u.texts(now).join('\n')).not.toMatch(/Vraag 1 van 5/);
  });

  it('per language: a French respondent gets the French template; typing instead of tapping brings the question first', async () => {
    const { u } = await started(h, longAgo(), 'fr');
    const at = u.messages().length;
    expect(await remind(h, u)).toBe('sent');
    expect(u.texts(at)).toEqual(['[template fb_rappel/fr]']);
    await u.say('4');
    const said = u.texts(at + 1);
    expect(said[0]).toMatch(/^Question 1 sur 5/);
    expect(said.at(-1)).toMatch(/^Réponse choisie : d'accord\n\nQuestion 2/);
  });

  it('a template WhatsApp refuses (132001: not approved in that language) leaves the check-in unreachable', async () => {
    const { u, id } = await started(h, longAgo());
    h.api.failNext({ status: 400, code: 132001, to: u.waId });
    expect(await remind(h, u)).toBe('unreachable');
    expect((await h.wiring.checkins.get(id))?.status).toBe('unreachable');
  });

  it('consent asked, then the follow-up check-in weeks later opens with the check-in template', async () => {
    const u = h.user(String(nextUser++));
    const first = await h.invite('parent-checkin', { respondentRef: 'WA-REF-1', caseRef: 'CASE-F' });
    await u.start(first.token, { timestamp: longAgo() });
    for (const text of ['start', '4', '4', '4', '4', '7', 'liever niet', 'verstuur']) await u.say(text, { timestamp: longAgo() });
    expect(u.texts().at(-1)).toMatch(/Mogen we je later/);
    await h.post(u.tap('y', { timestamp: longAgo() }));
    const at = u.messages().length;
    const { checkin } = await h.wiring.checkins.create({ flow: 'parent-checkin', caseRef: 'CASE-F', respondent: { role: 'parent' }, respondentRef: 'WA-REF-1' }, 'test');
    expect(checkin.delivery).toBe('direct');
    for (let i = 0; i < 100 && u.messages().length === at; i++) await new Promise((r) => setTimeout(r, 20));
    await h.channel.settled();
    expect(u.texts(at)).toEqual(['[template fb_checkin/nl]']);
    expect((await h.wiring.checkins.get(checkin.id))?.status).toBe('opened');
    await u.answerTemplate('Start');
    expect(choicesOf(u.messages().at(-1)).map((c) => c.title)).toEqual(['Start', 'Niet nu', 'Andere taal']);
    await u.press('st');
    expect((await h.wiring.checkins.get(checkin.id))?.status).toBe('in_progress');
  });
});
