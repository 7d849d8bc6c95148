import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditRetention } from '../../support/retention-audit.js';
import { redisUrl } from '../../support/redis.js';
import { checkAfterSignal } from '../../support/after-signal.js';
import type { RecordedActivity } from '../../support/fake-connector.js';
import { actionsOf, cardOf, lastCard, message, post, sentTo, startHarness, textOf, WORKER, type Harness, type SentAction } from './harness.js';

/**
 * End to end over real HTTP: activities posted to `/api/messages` (unauthenticated, the test-only mode), the real
 * CloudAdapter, runner and check-in service on Redis DB 5, replies and card updates landing in the fake Bot
 * Connector. This file alone uses DB 5 (the auth tests run on the memory store), so it may flush it.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { TEAMS_ALLOW_UNAUTHENTICATED: 'true' } });
});
afterEach(() => h.connector.clear());
afterAll(async () => {
  await auditRetention(redisUrl(5), ['Het gaat goed zo, dank je.']);
  await h.close();
}, 30_000);

let users = 0;
const newUser = () => `00000000-aaaa-4bbb-8ccc-${String(++users).padStart(12, '0')}`;

async function invite(flow = 'parent-full', respondent: { role: 'parent' | 'child'; ageBand?: 'young' | 'teen' } = { role: 'parent' }) {
  const { checkin } = await h.wiring.checkins.create({ flow, caseRef: 'CASE-T1', respondent, locale: 'nl' }, 'test');
  return checkin;
}

const code = (a: SentAction) => a.fb?.split('|')[2] ?? '';

/** What a respondent does with a card: the highest answer (no safety net), else Start or Send; open questions get text. */
function choose(card: RecordedActivity | undefined): SentAction | undefined {
  const actions = actionsOf(card);
  return actions.filter((a) => code(a).startsWith('a:')).at(-1) ?? actions.find((a) => ['st', 'sd'].includes(code(a)));
}

/** Plays a questionnaire to the end, pressing or typing; checks every answered card is closed in place. */
async function playToEnd(user: string, mode: 'press' | 'type'): Promise<number> {
  let turns = 0;
  for (; turns < 40; turns++) {
    const card = lastCard(h, user);
    const last = sentTo(h, user).at(-1);
    if (/Bedankt|Mogen we je later/.test(textOf(last))) break; // sent (and maybe asked for follow-ups)
    const action = choose(card);
    const before = h.connector.activities.length;
    const input = !action ? { text: 'Het gaat goed zo, dank je.' } : mode === 'press' ? { value: action.data, replyToId: card!.id } : { text: action.title };
    expect(await post(h, message(h, user, input))).toBe(200);
    const after = h.connector.activities.slice(before);
    if (action && code(action).startsWith('a:')) {
      const update = after.find((a) => a.kind === 'update' && a.activityId === card!.id);
      expect(update, `card ${card!.id} closed after "${action.title}"`).toBeDefined();
      expect(actionsOf(update)).toEqual([]);
      expect(textOf(update)).toContain(`Je antwoord: `);
    }
  }
  return turns;
}

describe('Teams channel: a parent answers parent-full', () => {
  it('by card presses: cards carry the engine data, answered cards lose their buttons, the response is delivered', async () => {
    const user = newUser();
    const checkin = await invite();
    expect(await post(h, message(h, user, { text: `start ${checkin.token}` }))).toBe(200);
    const intro = lastCard(h, user);
    expect(intro?.kind).toBe('reply');
    expect(actionsOf(intro).map((a) => a.title)).toEqual(['Start', 'Niet nu', 'Andere taal']);
    expect(actionsOf(intro).every((a) => /^\d+\|intro\|/.test(a.fb ?? ''))).toBe(true);

    const turns = await playToEnd(user, 'press');
    expect(turns).toBeLessThanOrEqual(20);
    const doc = h.responses().find((r) => r.checkinId === checkin.id);
    expect(doc).toMatchObject({ type: 'response.completed', channel: 'teams', flow: { id: 'parent-full' } });
    expect((doc as { respondent: { pseudonym: string } }).respondent.pseudonym).not.toContain(user);
    expect((await h.wiring.checkins.get(checkin.id))?.status).toBe('completed');
  });

  it('by typing: typed answers work like presses and close the card too', async () => {
    const user = newUser();
    const checkin = await invite();
    expect(await post(h, message(h, user, { text: `/start ${checkin.token}` }))).toBe(200);
    await playToEnd(user, 'type');
    const doc = h.responses().find((r) => r.checkinId === checkin.id) as { answers: Array<{ item: string; value: unknown }> } | undefined;
    expect(doc?.answers.find((a) => a.item === 'p_useful')?.value).toBe(10);
    expect(doc?.answers.find((a) => a.item === 'p_going_well')?.value).toBe('Het gaat goed zo, dank je.');
  });

  it('shows progress on question cards, separately from the question', async () => {
    const user = newUser();
    await post(h, message(h, user, { text: `start ${(await invite()).token}` }));
    await post(h, message(h, user, { text: 'start' }));
    const card = cardOf(lastCard(h, user));
    expect(card?.body?.[0]).toMatchObject({ type: 'TextBlock', text: expect.stringMatching(/^Vraag 1 van \d+$/), isSubtle: true });
    expect(card?.body?.slice(1).map((b) => String(b.text)).join('\n')).not.toMatch(/Vraag 1 van/);
  });
});

describe('Teams channel: old cards and odd input', () => {
  it('a press on an old card is recognised and ignored with a short message', async () => {
    const user = newUser();
    await post(h, message(h, user, { text: `start ${(await invite()).token}` }));
    await post(h, message(h, user, { text: 'start' }));
    const first = lastCard(h, user)!;
    const answer = choose(first)!;
    await post(h, message(h, user, { value: answer.data, replyToId: first.id }));
    const second = lastCard(h, user)!;
    expect(second.id).not.toBe(first.id);
    const state = await h.core.store.load(`teams:${h.core.pseudonymise('teams', user)}`);

    h.connector.clear();
    expect(await post(h, message(h, user, { value: actionsOf(first)[0]!.data, replyToId: first.id }))).toBe(200);
    expect(h.connector.activities).toHaveLength(1);
    expect(h.connector.activities[0]).toMatchObject({ kind: 'reply', activity: { text: expect.stringMatching(/al voorbij/) } });
    expect(cardOf(h.connector.activities[0])).toBeUndefined();
    const after = await h.core.store.load(`teams:${h.core.pseudonymise('teams', user)}`);
    expect(after?.state.snap.context.answers).toEqual(state?.state.snap.context.answers);
  });

  it('a redelivered activity (same id) changes nothing and says nothing', async () => {
    const user = newUser();
    const start = message(h, user, { text: `start ${(await invite()).token}` });
    await post(h, start);
    h.connector.clear();
    expect(await post(h, start)).toBe(200);
    expect(h.connector.activities).toEqual([]);
  });

  it('refuses a used invite, answers a sticker with a hint, and stays out of group chats', async () => {
    const user = newUser();
    const other = newUser();
    const checkin = await invite();
    await post(h, message(h, user, { text: `start ${checkin.token}` }));
    h.connector.clear();
    await post(h, message(h, other, { text: `start ${checkin.token}` }));
    expect(textOf(sentTo(h, other)[0])).toMatch(/al gebruikt/);

    await post(h, message(h, user, { attachments: [{ contentType: 'image/png', contentUrl: 'https://x/y.png' }] } as never));
    const [hint, again] = sentTo(h, user);
    expect(textOf(hint)).toMatch(/alleen tekst/);
    expect(cardOf(hint)).toBeUndefined();
    expect(actionsOf(again).map((a) => a.title)).toContain('Start');

    const group = { ...message(h, newUser(), { text: 'hallo' }), conversation: { id: '19:group@thread.v2', conversationType: 'groupChat', tenantId: 'x' } };
    expect(await post(h, group)).toBe(200);
    expect(h.connector.activities.at(-1)).toMatchObject({ conversationId: '19:group@thread.v2', activity: { text: expect.stringMatching(/persoonlijke chat/) } });
  });

  it('storage trouble: the respondent is asked to try again and Teams gets 503, so it delivers again', async () => {
    const user = newUser();
    const store = h.core.store;
    const { load, claim } = store;
    const down = () => Promise.reject(new Error('redis down'));
    Object.assign(store, { load: down, claim: down });
    try {
      expect(await post(h, message(h, user, { text: 'hallo' }))).toBe(503);
    } finally {
      Object.assign(store, { load, claim });
    }
    expect(textOf(sentTo(h, user)[0])).toBe('Er ging even iets mis aan mijn kant. Probeer het zo opnieuw.');
  });

  it('answers broken JSON with 400, a malformed activity with 200 (ignored, so the Connector does not retry it), and touches nothing', async () => {
    const keys = await h.core.redis!.dbsize();
    const res = await fetch(`${h.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":' });
    expect(res.status).toBe(400);
    for (const junk of ['{"text":"hoi"}', 'null', '[1,2]', '{"type":"message","text":7}', '{"type":"message","from":{"id":1},"conversation":{"id":"x"}}', '{"type":"message"}']) {
      const r = await fetch(`${h.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: junk });
      expect(r.status, junk).toBe(200);
    }
    expect(h.connector.requests).toEqual([]);
    expect(await h.core.redis!.dbsize()).toBe(keys);
  });
});

describe('Teams channel: throttling by the Connector', () => {
  it('a 429 is retried (by the client, then with back-off here) and the card arrives once', async () => {
    const user = newUser();
    const checkin = await invite();
    // The ConnectorClient itself tries 4 times; a fifth 429 reaches the channel's own back-off.
    h.connector.failNext('reply', { status: 429, headers: { 'Retry-After': '0' }, times: 5 });
    expect(await post(h, message(h, user, { text: `start ${checkin.token}` }))).toBe(200);
    expect(h.connector.requests.filter((r) => r.op === 'reply').map((r) => r.status)).toEqual([429, 429, 429, 429, 429, 200]);
    expect(sentTo(h, user)).toHaveLength(1);
    expect(actionsOf(lastCard(h, user)).map((a) => a.title)).toContain('Start');
  });

  it('a 412 (which the client does not retry) is retried here', async () => {
    const user = newUser();
    h.connector.failNext('reply', { status: 412 });
    expect(await post(h, message(h, user, { text: 'hallo' }))).toBe(200);
    expect(h.connector.requests.map((r) => r.status)).toEqual([412, 200]);
    expect(textOf(sentTo(h, user)[0])).toMatch(/uitnodiging/);
  });
});

describe('Teams channel: a worker creates a check-in', () => {
  const formOf = (a: RecordedActivity | undefined) => (cardOf(a)?.body ?? []).filter((b) => String(b.type).startsWith('Input.'));
  const inviteOf = (a: RecordedActivity | undefined) => {
    const body = cardOf(a)?.body ?? [];
    const facts = (body.find((b) => b.type === 'FactSet')?.facts ?? []) as Array<{ title: string; value: string }>;
    const image = body.find((b) => b.type === 'Image') as { url: string } | undefined;
    return { links: Object.fromEntries(facts.map((f) => [f.title, /\]\((.+)\)$/.exec(f.value)![1]!])), qr: image ? decodeQr(image.url) : null };
  };
  const submit = (fields: Record<string, string>, replyToId: string) => message(h, WORKER, { value: { wk: 'create', ...fields }, replyToId });

  it('`checkin` brings the form; the submitted form brings links and a QR code that open the check-in', async () => {
    expect(await post(h, message(h, WORKER, { text: 'checkin' }))).toBe(200);
    const form = sentTo(h, WORKER).at(-1)!;
    expect(formOf(form).map((i) => i.id)).toEqual(['flow', 'who', 'lng', 'caseRef', 'firstName']);
    expect(formOf(form).find((i) => i.id === 'firstName')).toMatchObject({ value: 'Test' });

    const fields = { flow: 'child-checkin', who: 'teen', lng: 'fr', caseRef: 'D-42', firstName: 'An' };
    expect(await post(h, submit(fields, form.id!))).toBe(200);
    const { links, qr } = inviteOf(sentTo(h, WORKER).at(-1));
    expect(Object.keys(links)).toEqual(['Telegram', 'Webchat']); // no Teams deep link without an app id
    expect(qr).toBe(links.Telegram);
    const token = /start=([A-Za-z0-9_-]+)$/.exec(links.Telegram!)![1]!;
    expect(links.Webchat).toBe(`https://feedback.example.be/c/${token}`);

    // A second press on the same form creates nothing new.
    await post(h, submit(fields, form.id!));
    expect(inviteOf(sentTo(h, WORKER).at(-1)).links.Telegram).toBe(links.Telegram);

    const teen = newUser();
    await post(h, message(h, teen, { text: `start ${token}` }));
    expect(textOf(lastCard(h, teen))).toMatch(/Bonjour/);
  });

  it('explains a form that does not add up, and offers the form to a worker who just says hello', async () => {
    await post(h, message(h, WORKER, { text: 'hallo' }));
    const menu = sentTo(h, WORKER).at(-1);
    expect(actionsOf(menu)).toEqual([{ title: 'Nieuwe check-in', data: { wk: 'form' } }]);
    await post(h, message(h, WORKER, { value: { wk: 'form' }, replyToId: menu!.id }));
    const form = sentTo(h, WORKER).at(-1)!;
    expect(formOf(form)).toHaveLength(5);

    await post(h, submit({ flow: 'parent-full', who: 'teen', lng: 'nl', caseRef: 'D-43' }, form.id!));
    expect(textOf(sentTo(h, WORKER).at(-1))).toMatch(/^Die check-in kan ik niet maken: .*parent/);
  });

  it('is only for configured workers: others get no form and cannot forge a submit', async () => {
    const parent = newUser();
    await post(h, message(h, parent, { text: 'checkin' }));
    await post(h, message(h, parent, { value: { wk: 'create', flow: 'parent-checkin', who: 'parent', lng: 'nl', caseRef: 'X' } }));
    const said = sentTo(h, parent);
    expect(said.map((a) => formOf(a).length + Object.keys(inviteOf(a).links).length)).toEqual([0, 0]);
    expect(textOf(said[0])).toMatch(/uitnodiging/);
    // Same Entra ID object id in another tenant: not a worker.
    const elsewhere = { ...message(h, WORKER, { text: 'checkin' }), conversation: { id: `a:personal-${WORKER}`, conversationType: 'personal', tenantId: 'other' }, channelData: { tenant: { id: 'other' } } };
    h.connector.clear();
    await post(h, elsewhere);
    expect(formOf(h.connector.activities.at(-1))).toEqual([]);
  });
});

describe('Teams channel: proactive check-ins', () => {
  async function known(): Promise<string> {
    const user = newUser();
    await post(h, message(h, user, { text: 'hallo' }));
    h.connector.clear();
    return user;
  }

  it('delivers a check-in to a respondent who talked to the bot before, who can then answer it', async () => {
    const user = await known();
    const checkin = await invite('parent-checkin');
    expect(await h.channel.deliverCheckin(checkin, user)).toEqual({ status: 'delivered' });
    const intro = lastCard(h, user);
    expect(actionsOf(intro).map((a) => a.title)).toContain('Start');
    expect((await h.wiring.checkins.get(checkin.id))?.status).toBe('opened');

    await post(h, message(h, user, { value: choose(intro)!.data, replyToId: intro!.id }));
    expect(textOf(lastCard(h, user))).toMatch(/Vraag 1 van/);
    expect((await h.wiring.checkins.get(checkin.id))?.status).toBe('in_progress');
  });

  it('says so for a person the bot does not know', async () => {
    const checkin = await invite('parent-checkin');
    expect(await h.channel.deliverCheckin(checkin, newUser())).toEqual({ status: 'unknown' });
    expect(h.connector.requests).toEqual([]);
    expect((await h.wiring.checkins.get(checkin.id))?.status).toBe('created');
  });

  it.each([
    ['blocked the bot', { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' }],
    ['removed the bot (not in roster)', { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' }],
  ])('marks the check-in unreachable when the person %s', async (_what, error) => {
    const user = await known();
    const checkin = await invite('parent-checkin');
    h.connector.failNext('reply', { status: 403, body: { error } });
    expect(await h.channel.deliverCheckin(checkin, user)).toEqual({ status: 'unreachable' });
    expect((await h.wiring.checkins.get(checkin.id))?.status).toBe('unreachable');
    expect(h.connector.activities).toEqual([]);
  });
});

describe('Teams channel: follow-ups by respondentRef', () => {
  it('asks consent after the response is sent; the next check-in for that reference is said in the chat at sendAt', async () => {
    const user = newUser();
    const first = (await h.wiring.checkins.create({ flow: 'parent-checkin', caseRef: 'CASE-T2', respondent: { role: 'parent' }, respondentRef: 'T-REF-1' }, 'test')).checkin;
    await post(h, message(h, user, { text: `start ${first.token}` }));
    await playToEnd(user, 'press');
    const ask = lastCard(h, user);
    expect(textOf(ask)).toContain('Mogen we je later nog eens vragen');
    expect((await h.wiring.checkins.get(first.id))?.status).toBe('completed');
    const yes = actionsOf(ask).find((a) => code(a) === 'y')!;
    await post(h, message(h, user, { value: yes.data, replyToId: ask!.id }));
    expect(textOf(sentTo(h, user).at(-1))).toContain('krijg je die hier');

    h.connector.clear();
    const sendAt = new Date(Date.now() + 500).toISOString();
    const next = (await h.wiring.checkins.create({ flow: 'parent-checkin', caseRef: 'CASE-T2', respondent: { role: 'parent' }, respondentRef: 'T-REF-1', sendAt }, 'test')).checkin;
    expect(next.delivery).toBe('direct');
    for (let i = 0; i < 200 && !lastCard(h, user); i++) await new Promise((r) => setTimeout(r, 50));
    const intro = lastCard(h, user);
    expect(actionsOf(intro).map((a) => a.title)).toContain('Start');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(sendAt));
    expect((await h.wiring.checkins.get(next.id))?.status).toBe('opened');
  });
});

describe('Teams channel: writing first, and forgetting', () => {
  const keyOf = (user: string) => `teams:${h.core.pseudonymise('teams', user)}`;

  it('reminders go out through core.outbound as a new card; an unreachable person marks the check-in', async () => {
    const user = newUser();
    const checkin = await invite('parent-checkin');
    await post(h, message(h, user, { text: `start ${checkin.token}` }));
    const intro = lastCard(h, user)!;
    h.connector.clear();
    const { send } = h.core.outbound.get('teams')!;
    await send(keyOf(user), [{ kind: 'question', text: 'Zullen we beginnen?', ask: 'intro', rev: 1, buttons: [[{ label: 'Start', data: '1|intro|st' }]] }]);
    expect(h.connector.activities.map((a) => a.kind)).toEqual(['update', 'reply']);
    expect(h.connector.activities[0]).toMatchObject({ activityId: intro.id });
    expect(actionsOf(h.connector.activities[1]).map((a) => a.title)).toEqual(['Start']);

    h.connector.failNext('reply', { status: 403 });
    await send(keyOf(user), [{ kind: 'message', text: 'Herinnering' }]);
    expect((await h.wiring.checkins.get(checkin.id))?.status).toBe('unreachable');
  });

  it('/wis removes the conversation reference with everything else', async () => {
    const user = newUser();
    await post(h, message(h, user, { text: `start ${(await invite('parent-checkin')).token}` }));
    await post(h, message(h, user, { text: '/wis' }));
    const confirm = lastCard(h, user)!;
    const yes = actionsOf(confirm).find((a) => a.title === 'Ja, wis alles')!;
    await post(h, message(h, user, { value: yes.data, replyToId: confirm.id }));
    expect(textOf(sentTo(h, user).at(-1))).toMatch(/Gewist/);
    expect(await h.core.redis!.exists(`fb:{${keyOf(user)}}:teams`)).toBe(0);
    expect(await h.core.store.load(keyOf(user))).toBeUndefined();
    h.connector.clear();
    await h.core.outbound.get('teams')!.send(keyOf(user), [{ kind: 'message', text: 'Herinnering' }]);
    expect(h.connector.requests).toEqual([]);
  });

  it('keeps the reference under the conversation hash tag with a TTL, and no names', async () => {
    const user = newUser();
    await post(h, message(h, user, { text: 'hallo' }));
    const name = `fb:{${keyOf(user)}}:teams`;
    expect(await h.core.redis!.ttl(name)).toBeGreaterThan(300 * 24 * 3600);
    const ref = await h.core.redis!.hget(name, 'ref');
    expect(ref).toContain(user);
    expect(ref).not.toContain('Test Persoon');
  });
});

/** jsqr is CommonJS with an ES default (see test/checkins/qr.ts). */
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as typeof jsQRModule.default;

/** Reads the QR code of a card image (a PNG data URL) the way a phone camera would. */
function decodeQr(dataUrl: string): string | null {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

describe('Teams: after the safety net', () => {
  it('shows help first, asks again kindly, and closes with the help lines and no 🌟', async () => {
    const user = newUser();
    const checkin = await invite('child-checkin', { role: 'child', ageBand: 'young' });
    expect(await post(h, message(h, user, { text: `start ${checkin.token}` }))).toBe(200);
    await checkAfterSignal(async (lines) => {
      const shown: string[] = [];
      for (const text of lines) {
        const before = sentTo(h, user).length;
        expect(await post(h, message(h, user, { text }))).toBe(200);
        shown.push(sentTo(h, user).slice(before).map(textOf).join('\n'));
      }
      return shown;
    }, h.core.texts);
  });
});
