import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRetention } from '../support/retention-audit.js';
import { createCore, type Core } from '../../src/app.js';
import { createTelegramChannel, type TelegramChannel } from '../../src/channels/telegram/channel.js';
import { createCheckinsFor, type CheckinsWiring } from '../../src/checkins/index.js';
import { loadConfig } from '../../src/config.js';
import { createServer } from '../../src/http/server.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { freshRedis, redisUrl } from '../support/redis.js';
import { postUpdate, startCommand, callbackQuery, privateChat, textMessage } from '../support/telegram-updates.js';
import type { InlineKeyboardButton, Message, User } from 'grammy/types';
import { inviteLinksFor } from '../../src/channels/list.js';

/**
 * Follow-ups over time (issue 7, item 6), end to end on Telegram with the real check-in API, Redis (database 13),
 * grammY against the fake Bot API: consent at the end of a questionnaire, a later check-in for the same
 * `respondentRef` said directly at `sendAt`, no consent → invite only, `/wis` and a block end it.
 */
const DB = 13;
const SECRET = 'test-webhook-secret_0123456789';
const API_TOKEN = 'followups-test-token-0123456789abcdef';
const TTL_DAYS = 30;

let api: FakeBotApi;
let core: Core;
let wiring: CheckinsWiring;
let app: FastifyInstance;
let telegram: TelegramChannel;
let base: string;

beforeAll(async () => {
  await (await freshRedis(DB)).quit();
  api = await startFakeBotApi();
  const config = loadConfig({
    NODE_ENV: 'test', REDIS_URL: redisUrl(DB), PSEUDONYM_KEY: 'f'.repeat(32), DATA_DIR: mkdtempSync(join(tmpdir(), 'fb-followups-')),
    CHECKIN_API_TOKENS: API_TOKEN, FOLLOWUP_TTL_DAYS: String(TTL_DAYS), TELEGRAM_BOT_USERNAME: api.botInfo.username,
  });
  core = await createCore(config, pino({ level: 'silent' }));
  wiring = createCheckinsFor(core, inviteLinksFor(config));
  app = createServer();
  wiring.registerRoutes(app);
  telegram = createTelegramChannel({ core, app, checkins: wiring.checkins, token: api.token, secret: SECRET, apiRoot: api.apiRoot, publicUrl: 'https://bot.example.org/', botInfo: api.botInfo, pace: { intervalMs: 0, burst: 1 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as import('node:net').AddressInfo).port}`;
  await telegram.start();
});

afterAll(async () => {
  await auditRetention(redisUrl(DB), []);
  await telegram?.stop();
  await app?.close();
  await wiring?.close();
  await core?.close();
  await api?.close();
});

async function createCheckin(body: Record<string, unknown>): Promise<{ id: string; delivery: string; status: string; invite: { token: string } }> {
  const res = await fetch(`${base}/v1/checkins`, {
    method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ flow: 'parent-checkin', caseRef: 'CASE-F1', respondent: { role: 'parent' }, ...body }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as never;
}

async function statusOf(id: string): Promise<string> {
  const res = await fetch(`${base}/v1/checkins/${id}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  return ((await res.json()) as { status: string }).status;
}

const buttons = (m: { reply_markup?: unknown } | undefined) =>
  ((m?.reply_markup as { inline_keyboard?: InlineKeyboardButton.CallbackButton[][] } | undefined)?.inline_keyboard ?? []).flat();

/** A parent in a private chat with the bot. */
class Parent {
  readonly user: User;
  constructor(id: number) {
    this.user = { id, is_bot: false, first_name: 'Canary', language_code: 'nl' };
  }
  get key() {
    return `tg:${core.pseudonymise('telegram', this.user.id)}`;
  }
  messages() {
    return api.messages(this.user.id);
  }
  last() {
    return this.messages().at(-1)?.text ?? '';
  }
  async press(code: string) {
    const m = [...this.messages()].reverse().find((x) => buttons(x).length);
    const b = buttons(m).find((x) => x.callback_data.endsWith(`|${code}`));
    if (!m || !b) throw new Error(`no button ${code}`);
    const message = { message_id: m.message_id, date: m.date, chat: privateChat(this.user), text: m.text, reply_markup: m.reply_markup } as Message;
    await this.post(callbackQuery(b.callback_data, { from: this.user, message }));
  }
  async say(text: string) {
    await this.post(textMessage(text, { from: this.user }));
  }
  async start(token: string) {
    await this.post(startCommand(token, { from: this.user }));
  }
  /** Posts an update and waits until the bot said what the turn saved (it answers first, says after). */
  async post(update: Parameters<typeof postUpdate>[1]) {
    expect((await postUpdate(`${base}/telegram`, update, SECRET)).status).toBe(200);
    await core.outbox.idle();
  }
  /** From the intro to the review, "weet ik niet" on every item, then "Verstuur". */
  async answerAll() {
    await this.press('st');
    for (let i = 0; i < 10 && !this.last().includes('Verstuur'); i++) await this.press('dk');
    await this.press('sd');
  }
}

/** A parent who answers a check-in for `respondentRef` (if any) to the end and answers the consent question with `answer`. */
async function answered(chatId: number, body: Record<string, unknown>, answer?: 'y' | 'n'): Promise<Parent> {
  const parent = new Parent(chatId);
  await parent.start((await createCheckin(body)).invite.token);
  await parent.answerAll();
  if (answer) await parent.press(answer);
  return parent;
}

async function until<T>(what: () => Promise<T> | T, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('follow-ups by respondentRef', () => {
  it('asks consent at the end, keeps how to reach the chat, and says the next check-in directly at sendAt', async () => {
    const parent = new Parent(7_100_001);
    const first = await createCheckin({ respondentRef: 'R-1' });
    expect(first.delivery).toBe('invite');
    await parent.start(first.invite.token);
    await parent.answerAll();
    expect(parent.last()).toContain('Mogen we je later nog eens vragen');
    expect(await statusOf(first.id)).toBe('completed'); // the response went out before the question
    await parent.press('y');
    expect(parent.last()).toContain('krijg je die hier');

    // Kept under a keyed hash of the reference (never in clear), with the operator's TTL; the chat's record lives as long.
    const reachKeys = await core.redis!.keys('fb:reach:*');
    expect(reachKeys).toHaveLength(1);
    expect(reachKeys[0]).not.toContain('R-1');
    expect(await core.redis!.ttl(reachKeys[0]!)).toBeGreaterThan((TTL_DAYS - 1) * 86400);
    expect(await core.redis!.ttl(`fb:{${parent.key}}:tg`)).toBeGreaterThan((TTL_DAYS - 1) * 86400);

    const seen = parent.messages().length;
    const sendAt = new Date(Date.now() + 1500).toISOString();
    const second = await createCheckin({ respondentRef: 'R-1', sendAt, worker: { firstName: 'Anna' } });
    expect(second.delivery).toBe('direct');
    expect(second.status).toBe('created');
    expect(parent.messages().length).toBe(seen); // not before sendAt
    const intro = await until(() => parent.messages().slice(seen).map((m) => m.text).join('\n'), (t) => t.includes('Zullen we beginnen?'));
    expect(intro).toContain('Zullen we beginnen?');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(sendAt));
    expect(await until(() => statusOf(second.id), (s) => s === 'opened')).toBe('opened');

    // The same conversation answers it; consent is on record, so it is not asked again.
    await parent.answerAll();
    expect(parent.last()).not.toContain('Mogen we je later');
    expect(await statusOf(second.id)).toBe('completed');
  });

  it('keeps consent to its case: a check-in for another case is an invite', async () => {
    const other = await createCheckin({ respondentRef: 'R-1', caseRef: 'CASE-OTHER' });
    expect(other.delivery).toBe('invite');
  });

  it('without consent there is only the invite link', async () => {
    const parent = await answered(7_100_002, { respondentRef: 'R-2' }, 'n');
    expect(parent.last()).toContain('we sturen je hier niets meer');
    const later = await createCheckin({ respondentRef: 'R-2' });
    expect(later.delivery).toBe('invite');
  });

  it('does not ask for consent without a respondentRef', async () => {
    const parent = await answered(7_100_003, {});
    expect(parent.last()).toContain('Bedankt');
    expect(parent.last()).not.toContain('Mogen we je later');
  });

  it('/wis removes the consent: the next check-in is an invite again', async () => {
    const parent = await answered(7_100_004, { respondentRef: 'R-4' }, 'y');
    expect((await createCheckin({ respondentRef: 'R-4', sendAt: new Date(Date.now() + 3600_000).toISOString() })).delivery).toBe('direct');
    await parent.say('/wis');
    await parent.press('y');
    expect(parent.last()).toMatch(/gewist/i);
    expect(await core.redis!.exists(`fb:{${parent.key}}:reach`)).toBe(0);
    expect((await createCheckin({ respondentRef: 'R-4' })).delivery).toBe('invite');
  });

  it('marks a follow-up unreachable when the parent blocked the bot since', async () => {
    const parent = await answered(7_100_005, { respondentRef: 'R-5' }, 'y');
    api.blockChat(parent.user.id);
    const seen = parent.messages().length;
    const next = await createCheckin({ respondentRef: 'R-5' });
    expect(next.delivery).toBe('direct');
    expect(await until(() => statusOf(next.id), (s) => s === 'unreachable')).toBe('unreachable');
    expect(parent.messages().length).toBe(seen);
  });
});
