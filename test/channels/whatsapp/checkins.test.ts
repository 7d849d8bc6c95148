import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAfterSignal } from '../../support/after-signal.js';
import { auditRetention } from '../../support/retention-audit.js';
import { redisUrl } from '../../support/redis.js';
import { BUSINESS_NUMBER, choicesOf, listButtonOf, startHarness, textOf, type Harness, type WaUser } from './harness.js';

/**
 * Whole check-ins over WhatsApp, end to end on 127.0.0.1: `start <token>` from the invite's prefilled message, every
 * question answered by tapping reply buttons and list rows or by typing, in Dutch, French and English, through the
 * real runner and check-in service on Redis DB 15, every message checked against WhatsApp's limits by the fake
 * Graph API. The response must reach the sink exactly once.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ db: 15 });
});
afterAll(() => h.close());

let nextUser = 32_475_000_100;
const newUser = () => h.user(String(nextUser++));

const WORDS = {
  nl: { chosen: 'Je antwoord:', start: 'start', noComment: 'liever niet', send: 'verstuur', yes: 'ja', bit: 'een beetje', skip: 'sla over', intro: ['Start', 'Niet nu', 'Andere taal'] },
  fr: { chosen: 'Réponse choisie :', start: 'commencer', noComment: 'plutôt pas', send: 'envoyer', yes: 'oui', bit: 'un peu', skip: 'passer', intro: ['Commencer', 'Pas maintenant', 'Autre langue'] },
  en: { chosen: 'Your answer:', start: 'start', noComment: 'rather not', send: 'send', yes: 'yes', bit: 'a bit', skip: 'skip', intro: ['Start', 'Not now', 'Other language'] },
} as const;
type Lng = keyof typeof WORDS;

const valuesOf = (checkinId: string) => {
  const docs = h.responses().filter((d) => d.checkinId === checkinId) as Array<{ answers: Array<{ item: string; value: unknown }> }>;
  expect(docs, 'the response reaches the sink exactly once').toHaveLength(1);
  return Object.fromEntries(docs[0]!.answers.map((a) => [a.item, a.value]));
};

async function opened(flow: string, lng: Lng, ageBand?: 'young' | 'teen'): Promise<{ u: WaUser; id: string }> {
  const u = newUser();
  const { id, token, invite } = await h.invite(flow, { locale: lng, ...(ageBand ? { ageBand } : {}) });
  expect(invite.whatsappLink).toBe(`https://wa.me/${BUSINESS_NUMBER}?text=start%20${token}`);
  // What the link's prefilled message becomes once sent.
  const prefilled = decodeURIComponent(new URL(invite.whatsappLink!).searchParams.get('text')!);
  expect((await u.say(prefilled)).status).toBe(200);
  return { u, id };
}

describe.each(Object.keys(WORDS) as Lng[])('WhatsApp check-ins in %s', (lng) => {
  const w = WORDS[lng];

  it('parent-checkin by taps: intro as three buttons, 1–5 as one list, 0–10 as two lists, answers echoed, sent once', async () => {
    const { u, id } = await opened('parent-checkin', lng);
    const intro = u.messages().at(-1)!;
    expect(choicesOf(intro).map((c) => [c.kind, c.title])).toEqual(w.intro.map((t) => ['button', t]));
    await u.press('st');
    const first = u.messages().at(-1)!;
    expect(choicesOf(first).map((c) => c.kind)).toEqual(Array(7).fill('row'));
    expect(choicesOf(first).slice(0, 5).map((c) => c.title)).toEqual(['1', '2', '3', '4', '5']);
    for (const v of ['a:4', 'a:5', 'a:3', 'a:4']) expect((await u.press(v)).status).toBe(200);
    const [low, high] = u.messages().slice(-2);
    expect([listButtonOf(low), listButtonOf(high)]).toEqual(['0 – 5', '6 – 10']);
    expect(choicesOf(low).map((c) => c.title)).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(choicesOf(high).slice(0, 5).map((c) => c.title)).toEqual(['6', '7', '8', '9', '10']);
    await u.press('a:7');
    await u.press('nc');
    await u.press('sd');
    expect(u.texts().filter((t) => t.startsWith(w.chosen))).toHaveLength(5);
    expect(valuesOf(id)).toMatchObject({ p_heard: 4, p_transparent: 5, p_worries_clear: 3, p_next_steps_clear: 4, p_safety_scale: 7 });
    expect((await h.wiring.checkins.get(id))?.status).toBe('completed');
    expect(choicesOf(u.messages().at(-1))).toEqual([]);
  });

  it('parent-checkin typed: the same answers by words and digits', async () => {
    const { u, id } = await opened('parent-checkin', lng);
    for (const text of [w.start, '4', '5', '3', '4', '7', w.noComment, w.send]) expect((await u.say(text)).status).toBe(200);
    expect(valuesOf(id)).toMatchObject({ p_heard: 4, p_transparent: 5, p_worries_clear: 3, p_next_steps_clear: 4, p_safety_scale: 7 });
    expect(u.texts().filter((t) => t.startsWith(w.chosen))).toHaveLength(5);
  });

  it('child-checkin (young) by taps: the smileys one tap each, "don\'t know / skip" beside them', async () => {
    const { u, id } = await opened('child-checkin', lng, 'young');
    await u.press('st');
    const [smileys, others] = u.messages().slice(-2);
    expect(choicesOf(smileys).map((c) => c.kind)).toEqual(['button', 'button', 'button']);
    expect(choicesOf(smileys).map((c) => c.id.split('|')[2])).toEqual(['a:0', 'a:1', 'a:2']);
    expect(choicesOf(others).map((c) => c.id.split('|')[2])).toEqual(['dk', 'sk']);
    for (const v of ['a:2', 'a:1', 'a:2', 'a:10', 'sk', 'sd']) expect((await u.press(v)).status).toBe(200);
    expect(valuesOf(id)).toMatchObject({ c_listened: 2, c_explained: 1, c_say: 2, c_safety_path: 10 });
    expect((await h.wiring.checkins.get(id))?.status).toBe('completed');
  });

  it('child-checkin (teen) typed', async () => {
    const { u, id } = await opened('child-checkin', lng, 'teen');
    for (const text of [w.start, w.yes, w.bit, w.yes, '10', w.skip, w.send]) expect((await u.say(text)).status).toBe(200);
    expect(valuesOf(id)).toMatchObject({ c_listened: 2, c_explained: 1, c_say: 2, c_safety_path: 10 });
  });
});

describe('WhatsApp: duplicates and old buttons', () => {
  it('a notification delivered twice is processed once: one answer, nothing said again', async () => {
    const { u, id } = await opened('parent-checkin', 'nl');
    await u.press('st');
    const tap = u.tap('a:4');
    const sent = h.api.messages().length;
    expect((await h.post(tap)).status).toBe(200);
    const after = h.api.messages().length;
    expect(after).toBeGreaterThan(sent);
    expect((await h.post(tap)).status).toBe(200);
    expect(h.api.messages().length).toBe(after);
    for (const v of ['a:5', 'a:3', 'a:4', 'a:7', 'nc']) await u.press(v);
    const send = u.tap('sd');
    await h.post(send);
    await h.post(send);
    expect(valuesOf(id)).toMatchObject({ p_heard: 4 });
  });

  it('a tap on an answered question gets a short notice and changes nothing', async () => {
    const { u } = await opened('parent-checkin', 'nl');
    await u.press('st');
    const old = u.tap('a:2');
    await u.press('a:4');
    const before = (await h.core.store.load(u.key))!.state.snap.context.answers;
    const at = u.messages().length;
    expect((await h.post(old)).status).toBe(200);
    expect(u.texts(at)).toEqual([expect.stringMatching(/al voorbij/)]);
    expect((await h.core.store.load(u.key))!.state.snap.context.answers).toEqual(before);
  });

  it('a tap on an earlier check-in\'s message is stale, even where its button data matches the new question', async () => {
    const u = newUser();
    await u.start((await h.invite('parent-checkin')).token);
    const oldStart = u.tap('st');
    await u.say('stop');
    await u.say('ja');
    const second = await h.invite('parent-checkin');
    await u.start(second.token);
    expect(u.tap('st')).not.toEqual(oldStart);
    const at = u.messages().length;
    await h.post(oldStart);
    expect(u.texts(at)).toEqual([expect.stringMatching(/al voorbij/)]);
    expect((await h.core.store.load(u.key))!.state.snap.value).toBe('intro');
    await u.press('st');
    expect((await h.core.store.load(u.key))!.state.snap.value).toBe('asking');
  });
});

describe('WhatsApp: presses the bot cannot place', () => {
  it('a press quoting a message the bot does not know, or none, is judged by its data alone', async () => {
    const { u } = await opened('parent-checkin', 'nl');
    const { messageFrom, buttonReply } = await import('../../support/whatsapp-notifications.js');
    const start = u.find('st')!.choice;
    await h.post(messageFrom(h.api.phoneNumberId, u.waId, buttonReply(start.id, start.title), { context: 'wamid.SOMETHING-ELSE' }));
    expect((await h.core.store.load(u.key))!.state.snap.value).toBe('asking');
    const four = u.find('a:4')!.choice;
    await h.post(messageFrom(h.api.phoneNumberId, u.waId, buttonReply(four.id, four.title)));
    expect((await h.core.store.load(u.key))!.state.snap.context.answers.p_heard?.v).toBe(4);
  });
});

describe('WhatsApp: commands as words, and what is not text', () => {
  it('help, language, my answers and stop work as plain words; texts show words to type, not /commands', async () => {
    const { u } = await opened('parent-checkin', 'nl');
    expect(textOf(u.messages().at(-1))).toMatch(/Typ \*stop\* om te stoppen, \*terug\*/);
    expect(textOf(u.messages().at(-1))).not.toMatch(/\/stop|\/terug/);
    let at = u.messages().length;
    await u.say('hulp');
    expect(u.texts(at).join('\n')).toMatch(/\*terug\* \(vorige vraag\)/);
    expect(u.texts(at).join('\n')).toContain('1712');
    at = u.messages().length;
    await u.say('taal');
    expect(u.messages().slice(at).flatMap(choicesOf).map((c) => c.title)).toEqual(['Nederlands', 'Français', 'English', 'Terug']);
    await u.press('L:en');
    at = u.messages().length;
    await u.say('my answers');
    expect(u.texts(at).join('\n')).toMatch(/This is what I keep about you/);
    await u.say('mijn antwoorden');
    await u.say('stop');
    expect(u.messages().at(-1) && choicesOf(u.messages().at(-1)).map((c) => c.title)).toEqual(['Yes, stop', 'No, carry on']);
  });

  it.each([
    ['a photo', { type: 'image', image: { id: '1', mime_type: 'image/jpeg' } }],
    ['a voice message', { type: 'audio', audio: { id: '2', mime_type: 'audio/ogg', voice: true } }],
    ['a location', { type: 'location', location: { latitude: 51.05, longitude: 3.72 } }],
    ['a contact card', { type: 'contacts', contacts: [{ name: { formatted_name: 'Oma' }, phones: [{ phone: '+32 470 11 22 33' }] }] }],
    ['a sticker', { type: 'sticker', sticker: { id: '3', mime_type: 'image/webp' } }],
    ['a reaction', { type: 'reaction', reaction: { message_id: 'wamid.X', emoji: '👍' } }],
  ])('%s is kindly refused and the question asked again; nothing changes', async (_what, fields) => {
    const { u } = await opened('parent-checkin', 'nl');
    const before = (await h.core.store.load(u.key))!.state.snap;
    const at = u.messages().length;
    const { messageFrom } = await import('../../support/whatsapp-notifications.js');
    expect((await h.post(messageFrom(h.api.phoneNumberId, u.waId, fields))).status).toBe(200);
    const said = u.texts(at);
    expect(said[0]).toContain('Ik begrijp alleen tekst en de knoppen');
    expect(said.at(-1)).toContain('Zullen we beginnen?');
    expect((await h.core.store.load(u.key))!.state.snap).toEqual(before);
  });

  it('a reaction taken back is not answered', async () => {
    const { u } = await opened('parent-checkin', 'nl');
    const at = u.messages().length;
    const { messageFrom, reaction } = await import('../../support/whatsapp-notifications.js');
    expect((await h.post(messageFrom(h.api.phoneNumberId, u.waId, reaction('wamid.X', '')))).status).toBe(200);
    expect(u.messages().length).toBe(at);
  });

  it('an unknown and a used invite are told apart kindly, once however often they arrive', async () => {
    const u = newUser();
    const unknown = u.said(`start ${'A'.repeat(32)}`);
    await h.post(unknown);
    await h.post(unknown);
    expect(u.texts()).toEqual([expect.stringContaining('Deze link ken ik niet')]);
    const { token } = await h.invite('parent-checkin');
    await newUser().start(token);
    await u.start(token);
    expect(u.texts().at(-1)).toContain('al gebruikt');
  });
});

describe('WhatsApp: delivery trouble', () => {
  it('a rate limit (130429, then 131056) is waited out and the message arrives once', async () => {
    const { u } = await opened('parent-checkin', 'nl');
    h.api.failNext({ status: 400, code: 130429, to: u.waId });
    h.api.failNext({ status: 400, code: 131056, to: u.waId });
    const at = u.messages().length;
    await u.press('st');
    expect(u.texts(at)).toHaveLength(1);
    expect(h.api.calls.filter((c) => c.body?.to === u.waId).slice(-3).map((c) => c.code ?? c.status)).toEqual([130429, 131056, 200]);
  });

  it('an undeliverable number (131026) marks the check-in unreachable; writing first then stops', async () => {
    const { u, id } = await opened('parent-checkin', 'nl');
    h.api.failNext({ status: 400, code: 131026, to: u.waId });
    await u.press('st');
    expect((await h.wiring.checkins.get(id))?.status).toBe('unreachable');
    expect(h.errors).toContain('131026');
    const calls = h.api.calls.length;
    expect(await h.core.outbound.get('wa')!.send(u.key, [{ kind: 'message', text: 'herinnering' }])).toBe('unreachable');
    expect(h.api.calls.length).toBe(calls);
  });

  it('a failed status marks the check-in unreachable and counts its code, never the number', async () => {
    const { u, id } = await opened('parent-checkin', 'nl');
    const { status } = await import('../../support/whatsapp-notifications.js');
    const last = u.messages().at(-1)!;
    expect((await h.post(status(h.api.phoneNumberId, last.id, u.waId, 'failed', 131026))).status).toBe(200);
    expect((await h.wiring.checkins.get(id))?.status).toBe('unreachable');
    expect(h.errors.at(-1)).toBe('131026');
    // Writing again lifts it for the conversation (the check-in's outcome stays on record).
    await u.press('st');
    expect(await h.core.outbound.get('wa')!.send(u.key, [{ kind: 'message', text: 'nog eens' }])).toBe('sent');
  });

  it('a failed save answers 503 and asks to try again; Meta delivers it again, and it is applied once', async () => {
    const { u } = await opened('parent-checkin', 'nl');
    const store = h.core.store;
    const { claim } = store;
    Object.assign(store, { claim: () => Promise.reject(new Error('redis down')) });
    const tap = u.tap('st');
    const at = u.messages().length;
    try {
      expect((await h.post(tap)).status).toBe(503);
    } finally {
      Object.assign(store, { claim });
    }
    expect(u.texts(at)).toEqual(['Er ging even iets mis aan mijn kant. Probeer het zo opnieuw.']);
    expect((await h.post(tap)).status).toBe(200);
    expect((await h.post(tap)).status).toBe(200);
    expect(u.texts(at).filter((t) => t.includes('Vraag 1 van'))).toHaveLength(1);
  });
});

describe('WhatsApp: what is kept, and /wis', () => {
  it('the number is never in a key or a log line, message ids only hashed; wis removes the record with the conversation', async () => {
    const { u } = await opened('parent-checkin', 'nl');
    await u.press('st');
    const redis = h.core.redis!;
    expect(await redis.keys(`*${u.waId}*`)).toEqual([]);
    expect(await redis.ttl(`fb:{${u.key}}:wa`)).toBeGreaterThan(0);
    const conv = await redis.getBuffer(`fb:{${u.key}}:conv`);
    expect(conv?.toString('latin1') ?? '').not.toContain('wamid');
    expect(await redis.get(`fb:{${u.key}}:wa`)).not.toContain('wamid');
    await u.say('wis');
    await u.press('y');
    expect(u.texts().at(-1)).toContain('Gewist');
    expect(await redis.exists(`fb:{${u.key}}:wa`, `fb:{${u.key}}:wa:held`, `fb:{${u.key}}:conv`)).toBe(0);
    const leaks = h.logs.filter((l) => l.includes(u.waId) || /wamid\./.test(l));
    expect(leaks).toEqual([]);
  });

  it('every key is of a documented kind, within its TTL, and no record holds a typed answer', async () => {
    const { u } = await opened('parent-checkin', 'nl');
    for (const text of ['start', '4', '5', '3', '4', '7', 'Het gaat beter sinds de kerstvakantie']) await u.say(text);
    await auditRetention(redisUrl(15), ['Het gaat beter sinds de kerstvakantie']);
  });
});

describe('WhatsApp: after the safety net', () => {
  it('shows help first, asks again kindly, and closes with the help lines and no 🌟', async () => {
    const { u } = await opened('child-checkin', 'nl', 'young');
    await checkAfterSignal(async (lines) => {
      const shown: string[] = [];
      for (const line of lines) {
        const at = u.messages().length;
        expect((await u.say(line)).status).toBe(200);
        shown.push(u.texts(at).join('\n'));
      }
      return shown;
    }, h.core.texts);
  });
});
