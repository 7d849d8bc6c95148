import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../../src/app.js';
import { createTelegramChannel } from '../../../src/channels/telegram/channel.js';
import { RedisCheckinStore } from '../../../src/checkins/redis-store.js';
import { createCheckins } from '../../../src/checkins/service.js';
import { loadConfig } from '../../../src/config.js';
import { createServer } from '../../../src/http/server.js';
import { checkAfterSignal } from '../../support/after-signal.js';
import { redisUrl } from '../../support/redis.js';
import { auditRetention } from '../../support/retention-audit.js';
import {
  botBlocked, editedMessage, groupMessage, nextUpdateId, photoMessage, postUpdate, stickerMessage, textMessage, voiceMessage,
} from '../../support/telegram-updates.js';
import { buttonsOf, SECRET, startHarness, type Harness, type TgUser } from './harness.js';

/**
 * End to end over real HTTP on 127.0.0.1: Telegram update → POST /telegram (grammY webhookCallback) → runner on
 * Redis DB 3 → grammY API calls to the fake Bot API. Every assertion reads what the fake Telegram holds (messages
 * as they look after edits, calls made) or what the bot stored (responses file, check-in status).
 */

let h: Harness;
let nextUser = 7_000_100;
beforeAll(async () => {
  h = await startHarness({ db: 3, pace: { intervalMs: 100, burst: 3 } });
});
afterAll(async () => {
  // After every run above (consent, /wis, /stop, reminders): every key documented, none kept longer than promised.
  await auditRetention(redisUrl(3), ['liever niet']);
  await h.close();
}, 30_000);

/** A new person who opened a fresh invite for `flow`. */
async function opened(flow: string, over: Parameters<Harness['invite']>[1] = {}, lng = 'nl'): Promise<{ u: TgUser; checkinId: string }> {
  const u = h.user(nextUser++, lng);
  const { id, token } = await h.invite(flow, over);
  expect((await u.start(token)).status).toBe(200);
  return { u, checkinId: id };
}

function responseOf(checkinId: string): { answers: Array<{ item: string; value: unknown }>; flow: { id: string } } {
  const lines = readFileSync(join(h.dataDir, 'responses.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const doc = lines.find((d) => d.checkinId === checkinId);
  if (!doc) throw new Error(`no response for ${checkinId}`);
  return doc;
}

const valuesOf = (doc: ReturnType<typeof responseOf>) => Object.fromEntries(doc.answers.map((a) => [a.item, a.value]));
const callCount = (method: string) => h.api.callsOf(method).length;

describe('Telegram webhook: forged calls and registration', () => {
  it('registered the webhook with the handled update types, without dropping pending updates, and a command menu per language', () => {
    const hook = h.api.callsOf('setWebhook').at(-1)!.params;
    expect(hook.url).toBe('https://bot.example.org/telegram');
    expect(hook.allowed_updates).toEqual(['message', 'edited_message', 'callback_query', 'my_chat_member']);
    expect(hook.drop_pending_updates).toBe(false);
    expect(hook.secret_token).toBe(SECRET);
    const menus = h.api.callsOf('setMyCommands').map((c) => [c.params.language_code ?? '*', (c.params.commands as Array<{ command: string }>).map((x) => x.command)]);
    expect(menus).toEqual(expect.arrayContaining([
      ['nl', ['hulp', 'taal', 'terug', 'stop', 'wis']],
      ['*', ['hulp', 'taal', 'terug', 'stop', 'wis']],
    ]));
    expect(menus.map(([l]) => l)).toEqual(expect.arrayContaining(['fr', 'en']));
  });

  it('answers 401 to a missing or wrong secret and touches nothing', async () => {
    const keys = await h.core.redis!.dbsize();
    const calls = h.api.calls.length;
    const update = textMessage('hallo', { from: { id: 7_000_001, is_bot: false, first_name: 'X' } });
    expect((await h.post(update, 'wrong-secret-wrong-secret')).status).toBe(401);
    expect((await postUpdate(h.url, update)).status).toBe(401);
    expect(await h.core.redis!.dbsize()).toBe(keys);
    expect(h.api.calls.length).toBe(calls);
  });

  it('answers 400 to broken JSON and stays up', async () => {
    expect((await h.post('{"update_id": 1, "message": ')).status).toBe(400);
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('acknowledges malformed updates with 200 and ignores them (a 5xx would be redelivered for a day); a wrong secret still gets 401', async () => {
    const keys = await h.core.redis!.dbsize();
    const calls = h.api.calls.length;
    const from = { id: 7_100_001, is_bot: false, first_name: 'M' };
    const chat = { id: 7_100_001, type: 'private' };
    for (const junk of [
      'null', '[]', '"x"', '{}', '{"update_id":"1"}',
      JSON.stringify({ update_id: 71, message: { message_id: 1, date: 0, chat, from: { ...from, language_code: 7 }, text: 'hallo' } }),
      JSON.stringify({ update_id: 72, message: { message_id: 1, date: 0, chat, from, text: { bold: true } } }),
      JSON.stringify({ update_id: 73, callback_query: { id: 5, from, data: 'x' } }),
    ]) expect((await h.post(junk)).status, junk).toBe(200);
    expect((await h.post('null', 'wrong-secret_0123456789')).status).toBe(401);
    expect(await h.core.redis!.dbsize()).toBe(keys);
    expect(h.api.calls.length).toBe(calls);
  });
});

describe('Telegram: full check-ins', () => {
  it('parent-checkin by buttons: one row per scale, 0–10 on two rows, answered questions edited, response written', async () => {
    const { u, checkinId } = await opened('parent-checkin');
    const intro = u.keyboardMessage()!;
    expect(intro.text).toContain('Zullen we beginnen?');
    await u.press('st');
    const first = u.keyboardMessage()!;
    const rows = (first.reply_markup as { inline_keyboard: unknown[][] }).inline_keyboard;
    expect(rows[0]).toHaveLength(5);
    expect(buttonsOf(first).slice(5).map((b) => b.text)).toEqual(['Weet ik niet', 'Sla over']);
    for (const b of buttonsOf(first)) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
    const queries = callCount('answerCallbackQuery');
    for (const v of ['a:4', 'a:5', 'a:3', 'a:4']) expect((await u.press(v)).status).toBe(200);
    const scale = u.keyboardMessage()!;
    const scaleRows = (scale.reply_markup as { inline_keyboard: unknown[][] }).inline_keyboard;
    expect(scaleRows.slice(0, 2).map((r) => r.length)).toEqual([6, 5]);
    expect(buttonsOf(scale).at(-1)!.text).toBe('Terug');
    await u.press('a:7');
    await u.press('nc');
    await u.press('sd');
    expect(callCount('answerCallbackQuery') - queries).toBe(7);
    // Each press is answered in the webhook's response (no API call of its own) as soon as the turn was saved,
    // before what it says is sent: the thanks went out after the last press was answered.
    const answers = h.api.callsOf('answerCallbackQuery').slice(queries);
    expect(answers.map((c) => c.via)).toEqual(Array(7).fill('webhook-reply'));
    const lastSend = h.api.callsOf('sendMessage').at(-1)!;
    expect(lastSend.at).toBeGreaterThanOrEqual(answers.at(-1)!.at);
    const shown = u.messages();
    expect(shown.find((m) => m.message_id === first.message_id)!.text).toMatch(/\n\nJe antwoord: \S/);
    expect(shown.filter((m) => /Je antwoord:/.test(m.text))).toHaveLength(5);
    expect(shown.filter((m) => buttonsOf(m).length)).toHaveLength(0);
    expect(shown.at(-1)!.text).toContain('Bedankt');
    expect(valuesOf(responseOf(checkinId))).toMatchObject({ p_heard: 4, p_transparent: 5, p_worries_clear: 3, p_next_steps_clear: 4, p_safety_scale: 7 });
    expect((await h.checkins.get(checkinId))!.status).toBe('completed');
  });

  it('parent-checkin by typed answers: the typed answer closes the question it answers', async () => {
    const { u, checkinId } = await opened('parent-checkin');
    for (const text of ['ja', '4', 'vijf', '3', '4', '7', 'liever niet']) expect((await u.say(text)).status).toBe(200);
    expect(u.keyboardMessage()!.text).toContain('Dit zijn je antwoorden');
    await u.say('verstuur');
    expect(valuesOf(responseOf(checkinId))).toMatchObject({ p_heard: 4, p_transparent: 5, p_worries_clear: 3, p_next_steps_clear: 4, p_safety_scale: 7 });
    expect(u.messages().filter((m) => /\n\nJe antwoord: \S/.test(m.text))).toHaveLength(5);
    expect(u.messages().filter((m) => buttonsOf(m).length)).toHaveLength(0);
  });

  it('child-checkin (teen) by buttons: smileys on one row, the open question skipped', async () => {
    const { u, checkinId } = await opened('child-checkin', { ageBand: 'teen' });
    await u.press('st');
    expect((u.keyboardMessage()!.reply_markup as { inline_keyboard: unknown[][] }).inline_keyboard[0]).toHaveLength(3);
    for (const v of ['a:2', 'a:1', 'a:2', 'a:10', 'sk', 'sd']) expect((await u.press(v)).status).toBe(200);
    expect(valuesOf(responseOf(checkinId))).toMatchObject({ c_listened: 2, c_explained: 1, c_say: 2, c_safety_path: 10 });
    expect((await h.checkins.get(checkinId))!.status).toBe('completed');
  });

  it('child-checkin (teen) by typed answers, including emoji', async () => {
    const { u, checkinId } = await opened('child-checkin', { ageBand: 'teen' });
    for (const text of ['ja', '🙂', 'een beetje', '🙂', '10', 'niks', 'verstuur']) await u.say(text);
    expect(valuesOf(responseOf(checkinId))).toMatchObject({ c_listened: 2, c_explained: 1, c_say: 2, c_safety_path: 10 });
    expect(u.messages().at(-1)!.text).toContain('Bedankt');
  });
});

describe('Telegram: taps, duplicates and going back', () => {
  it('a repeated update id changes nothing and says nothing', async () => {
    const { u } = await opened('parent-checkin');
    const tap = u.tap('st');
    const sent = callCount('sendMessage');
    expect((await h.post(tap)).status).toBe(200);
    expect(callCount('sendMessage')).toBe(sent + 1);
    expect((await h.post(tap)).status).toBe(200);
    expect(callCount('sendMessage')).toBe(sent + 1);
    expect(u.messages().filter((m) => m.text.startsWith('Vraag 1 van'))).toHaveLength(1);
  });

  it('a double tap records one answer; both taps are answered, the late one with a toast', async () => {
    const { u } = await opened('parent-checkin');
    await u.press('st');
    const queries = callCount('answerCallbackQuery');
    const [a, b] = [u.tap('a:4'), u.tap('a:4')];
    const statuses = await Promise.all([h.post(a), h.post(b)]);
    expect(statuses.map((s) => s.status)).toEqual([200, 200]);
    const answered = h.api.callsOf('answerCallbackQuery').slice(queries);
    expect(answered).toHaveLength(2);
    expect(answered.filter((c) => typeof c.params.text === 'string' && /al voorbij/.test(c.params.text))).toHaveLength(1);
    expect(u.messages().filter((m) => m.text.startsWith('Vraag 2 van'))).toHaveLength(1);
  });

  it('a tap on an old question gets a toast and changes nothing', async () => {
    const { u } = await opened('parent-checkin');
    await u.press('st');
    const q1 = u.keyboardMessage()!;
    await u.press('a:4');
    const before = u.messages();
    const sent = callCount('sendMessage');
    const edits = callCount('editMessageText');
    const res = await h.post(u.tap('a:2', q1));
    expect(res.status).toBe(200);
    const toast = h.api.callsOf('answerCallbackQuery').at(-1)!;
    expect(toast.params.text).toMatch(/al voorbij/);
    expect(callCount('sendMessage')).toBe(sent);
    expect(callCount('editMessageText')).toBe(edits);
    expect(u.messages()).toEqual(before);
  });

  it('back asks the previous question again and closes the keyboard it leaves', async () => {
    const { u } = await opened('parent-checkin');
    await u.press('st');
    await u.press('a:4');
    const q2 = u.keyboardMessage()!;
    expect(q2.text).toContain('Vraag 2 van');
    await u.press('bk');
    const now = u.messages();
    expect(buttonsOf(now.find((m) => m.message_id === q2.message_id))).toHaveLength(0);
    expect(u.keyboardMessage()!.text).toContain('Vraag 1 van');
    expect(u.keyboardMessage()!.message_id).toBeGreaterThan(q2.message_id);
  });

  it('switches language with /taal and goes on in English; a French invite starts in French', async () => {
    const { u } = await opened('parent-checkin');
    await u.press('st');
    await u.say('/taal');
    expect(u.keyboardMessage()!.text).toBe('In welke taal wil je verder?');
    await u.press('L:en');
    const last = u.messages().slice(-2).map((m) => m.text);
    expect(last[1]).toMatch(/^Question 1 of/);
    await u.say('4');
    expect(u.messages().some((m) => /\n\nYour answer: /.test(m.text))).toBe(true);
    const fr = await opened('parent-checkin', { locale: 'fr' }, 'fr');
    expect(fr.u.keyboardMessage()!.text).toMatch(/^Bonjour/);
  });
});

describe('Telegram: what is kept', () => {
  it('keeps the chat id only under the pseudonymised key, with a TTL, and /wis removes it with the conversation', async () => {
    const { u } = await opened('parent-checkin');
    await u.press('st');
    const key = `tg:${h.core.pseudonymise('telegram', u.id)}`;
    const redis = h.core.redis!;
    expect(await redis.ttl(`fb:{${key}}:tg`)).toBeGreaterThan(0);
    const keys = await redis.keys(`*${u.id}*`);
    expect(keys).toEqual([]);
    await u.say('/wis');
    await u.press('y');
    expect(u.texts().at(-1)).toContain('Gewist');
    expect(await redis.exists(`fb:{${key}}:tg`, `fb:{${key}}:conv`)).toBe(0);
  });
});

describe('Telegram: deep links', () => {
  it('/start without a token explains that the worker sends an invite; in the app language', async () => {
    const u = h.user(nextUser++, 'en');
    await u.start();
    expect(u.texts()).toHaveLength(1);
    expect(u.texts()[0]).toMatch(/only when your support worker has invited you/);
  });

  it('an unknown, a used and an expired invite are told apart kindly', async () => {
    const u = h.user(nextUser++);
    await u.start('A'.repeat(32));
    expect(u.texts().at(-1)).toContain('Deze link ken ik niet');
    const { token } = await h.invite('parent-checkin');
    await h.user(nextUser++).start(token);
    await u.start(token);
    expect(u.texts().at(-1)).toContain('al gebruikt');
    const lastWeek = createCheckins({
      store: new RedisCheckinStore({ redis: h.core.redis! }), bank: h.core.bank, defaultLocale: 'nl', secret: 'x'.repeat(32), now: () => new Date(Date.now() - 8 * 24 * 3600_000),
    });
    const { checkin } = await lastWeek.create({ flow: 'parent-checkin', caseRef: 'C-EXP', respondent: { role: 'parent' }, expiresInHours: 24 }, 'test');
    await u.start(checkin.token!);
    expect(u.texts().at(-1)).toContain('verlopen');
  });

  it('the same link opened again resumes the same conversation', async () => {
    const u = h.user(nextUser++);
    const { id, token } = await h.invite('parent-checkin');
    await u.start(token);
    await u.press('st');
    await u.start(token);
    expect(u.texts().at(-2)).toContain('Welkom terug');
    expect(u.keyboardMessage()!.text).toContain('Vraag 1 van');
    expect((await h.checkins.get(id))!.status).toBe('in_progress');
  });
});

describe('Telegram: robustness', () => {
  it('stickers, photos and voice messages get "only text and buttons" and the question again', async () => {
    const { u } = await opened('parent-checkin');
    for (const update of [stickerMessage({ from: u.user }), photoMessage('kijk', { from: u.user }), voiceMessage(3, { from: u.user })]) {
      const before = u.messages().length;
      expect((await h.post(update)).status).toBe(200);
      const said = u.texts(before);
      expect(said[0]).toContain('Ik begrijp alleen tekst en de knoppen');
      expect(said[1]).toContain('Zullen we beginnen?');
      expect(u.messages().filter((m) => buttonsOf(m).length)).toHaveLength(1);
    }
  });

  it('an edited message gets a short reply and changes nothing', async () => {
    const { u } = await opened('parent-checkin');
    const before = u.messages().length;
    expect((await h.post(editedMessage('5', { from: u.user }))).status).toBe(200);
    expect(u.texts(before)).toEqual([expect.stringContaining('aangepast bericht')]);
    expect(u.keyboardMessage()!.text).toContain('Zullen we beginnen?');
  });

  it('an update type the bot does not handle is acknowledged and ignored', async () => {
    const calls = h.api.calls.length;
    const poll = { update_id: nextUpdateId(), poll: { id: '1', question: 'q', options: [], total_voter_count: 0, is_closed: false, is_anonymous: true, type: 'regular', allows_multiple_answers: false } };
    expect((await h.post(poll as never)).status).toBe(200);
    expect(h.api.calls.length).toBe(calls);
  });

  it('refuses a group chat and leaves it, storing nothing', async () => {
    const keys = await h.core.redis!.dbsize();
    const res = await h.post(groupMessage('hallo bot', { from: { id: 7_000_002, is_bot: false, first_name: 'Y' } }));
    expect(res.status).toBe(200);
    const group = -4_012_345_678;
    expect(h.api.messages(group).map((m) => m.text)).toEqual([expect.stringContaining('één persoon')]);
    expect(h.api.callsOf('leaveChat').map((c) => c.params.chat_id)).toEqual([group]);
    expect(await h.core.redis!.dbsize()).toBe(keys);
  });

  it('refuses a message over 2,000 characters kindly and unchanged, takes one of 2,000, and splits texts over 4,096 characters', async () => {
    const { u, checkinId } = await opened('child-checkin', { ageBand: 'teen' });
    for (const v of ['st', 'a:2', 'a:2', 'a:2', 'a:8']) await u.press(v);
    const long = `${'lang verhaal '.repeat(769)}einde`.slice(0, 10_000);
    expect(long).toHaveLength(10_000);
    const key = `tg:${h.core.pseudonymise('telegram', u.id)}`;
    const rev = (await h.core.store.load(key))!.rev;
    const before = u.messages().length;
    expect((await u.say(long)).status).toBe(200);
    expect(u.texts(before)).toEqual(['Dat bericht is te lang voor mij: ik kan maximaal 2000 tekens lezen. Maak je het wat korter en stuur je het opnieuw? Er is nog niets bewaard.']);
    expect((await h.core.store.load(key))!.rev).toBe(rev); // nothing saved, nothing changed
    expect((await u.say(long.slice(0, 2000))).status).toBe(200);
    await u.say('verstuur');
    expect(String(responseOf(checkinId).answers.find((a) => a.item === 'c_message')!.value)).toBe(long.slice(0, 2000).trim());

    const at = u.messages().length;
    await h.core.outbound.get('tg')!.send(key, [{ kind: 'message', text: long }]);
    const parts = u.texts(at);
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(long.replace(/\s+/g, ' '));
  });
});

describe('Telegram: flood waits, blocked users, failed saves', () => {
  it('waits out a 429 with retry_after, then sends; other chats are not held up', async () => {
    const { u } = await opened('parent-checkin');
    const other = h.user(nextUser++);
    h.api.failNext('sendMessage', { status: 429, retryAfter: 1, chatId: u.id });
    const [res] = await Promise.all([u.press('st'), other.start()]);
    expect(res.status).toBe(200);
    const mine = h.api.callsOf('sendMessage').filter((c) => c.params.chat_id === u.id).slice(-2);
    expect(mine.map((c) => c.status)).toEqual([429, 200]);
    expect(mine[1]!.at - mine[0]!.at).toBeGreaterThanOrEqual(1000);
    const theirs = h.api.callsOf('sendMessage').find((c) => c.params.chat_id === other.id)!;
    expect(theirs.at).toBeLessThan(mine[1]!.at);
    expect(u.keyboardMessage()!.text).toContain('Vraag 1 van');
  });

  it('keeps to the pace per chat: messages to one chat leave in order and spaced after a burst', async () => {
    const { u } = await opened('parent-checkin');
    const key = `tg:${h.core.pseudonymise('telegram', u.id)}`;
    await new Promise((r) => setTimeout(r, 500)); // let the burst allowance refill
    const from = h.api.callsOf('sendMessage').length;
    await h.core.outbound.get('tg')!.send(key, ['1', '2', '3', '4', '5'].map((text) => ({ kind: 'message' as const, text })));
    const sent = h.api.callsOf('sendMessage').slice(from).filter((c) => c.params.chat_id === u.id);
    expect(sent.map((c) => c.params.text)).toEqual(['1', '2', '3', '4', '5']);
    expect(sent[4]!.at - sent[2]!.at).toBeGreaterThanOrEqual(190);
  });

  it('a user who blocked the bot (403): check-in unreachable, no retries, reminders stop', async () => {
    const { u, checkinId } = await opened('parent-checkin');
    h.api.blockChat(u.id);
    expect((await u.press('st')).status).toBe(200);
    expect((await h.checkins.get(checkinId))!.status).toBe('unreachable');
    const attempts = h.api.calls.filter((c) => c.params.chat_id === u.id && c.status === 403);
    expect(attempts).toHaveLength(1);
    const key = `tg:${h.core.pseudonymise('telegram', u.id)}`;
    const calls = h.api.calls.length;
    await h.core.outbound.get('tg')!.send(key, [{ kind: 'message', text: 'herinnering' }]);
    expect(h.api.calls.length).toBe(calls);
    h.api.unblockChat(u.id);
  });

  it('a block seen as my_chat_member marks the check-in unreachable; writing again lifts it', async () => {
    const { u, checkinId } = await opened('parent-checkin');
    expect((await h.post(botBlocked({ from: u.user }))).status).toBe(200);
    expect((await h.checkins.get(checkinId))!.status).toBe('unreachable');
    const key = `tg:${h.core.pseudonymise('telegram', u.id)}`;
    const calls = h.api.calls.length;
    await h.core.outbound.get('tg')!.send(key, [{ kind: 'message', text: 'herinnering' }]);
    expect(h.api.calls.length).toBe(calls);
    await u.press('st');
    await h.core.outbound.get('tg')!.send(key, [{ kind: 'message', text: 'herinnering' }]);
    expect(u.texts().at(-1)).toBe('herinnering');
  });

  it('a failed save answers 5xx (Telegram delivers again) and tells the user to try again', async () => {
    const config = loadConfig({ REDIS_URL: redisUrl(3), NODE_ENV: 'test', PSEUDONYM_KEY: 'x'.repeat(32), DATA_DIR: h.dataDir });
    const core = await createCore(config, pino({ level: 'silent' }));
    const app = createServer();
    const channel = createTelegramChannel({ core, app, token: h.api.token, secret: SECRET, apiRoot: h.api.apiRoot, publicUrl: 'https://bot.example.org', botInfo: h.api.botInfo });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { u } = await opened('parent-checkin');
      core.redis!.disconnect();
      const url = `http://127.0.0.1:${(app.server.address() as import('node:net').AddressInfo).port}/telegram`;
      const before = u.messages().length;
      const update = textMessage('ja', { from: u.user });
      const res = await postUpdate(url, update, SECRET);
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(u.texts(before)).toEqual([expect.stringContaining('Probeer het zo opnieuw')]);
      // Telegram delivers the same update again, to a healthy replica: it is applied once.
      expect((await h.post(update)).status).toBe(200);
      expect((await h.post(update)).status).toBe(200);
      expect(u.messages().filter((m) => m.text.startsWith('Vraag 1 van'))).toHaveLength(1);
    } finally {
      await channel.stop();
      await app.close();
      await core.close().catch(() => undefined);
    }
  });
});

describe('Telegram: after the safety net', () => {
  it('shows help first, asks again kindly, and closes with the help lines and no 🌟', async () => {
    const { u } = await opened('child-checkin', { ageBand: 'young' });
    await checkAfterSignal(async (lines) => {
      const shown: string[] = [];
      for (const line of lines) {
        const before = u.messages().length;
        expect((await u.say(line)).status).toBe(200);
        shown.push(u.texts(before).join('\n'));
      }
      return shown;
    }, h.core.texts);
  });
});
