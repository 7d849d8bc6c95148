import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { InlineKeyboardButton, Message, Update, User } from 'grammy/types';
import { pino } from 'pino';
import { createCore, type Core } from '../../../src/app.js';
import { createTelegramChannel, type TelegramChannel } from '../../../src/channels/telegram/channel.js';
import type { Pace } from '../../../src/channels/kit/lanes.js';
import { RedisCheckinStore } from '../../../src/checkins/redis-store.js';
import { createCheckins, type CheckinsService } from '../../../src/checkins/service.js';
import { loadConfig } from '../../../src/config.js';
import { createServer } from '../../../src/http/server.js';
import { startFakeBotApi, type FakeBotApi, type StoredMessage } from '../../support/fake-bot-api.js';
import { freshRedis, redisUrl } from '../../support/redis.js';
import { callbackQuery, postUpdate, privateChat, startCommand, textMessage } from '../../support/telegram-updates.js';

/**
 * The whole Telegram path, real from end to end: the fake Bot API on 127.0.0.1, the core on a real Redis
 * database, the real check-in service, the one Fastify server listening on 127.0.0.1:0 with the real grammY
 * bot behind `POST /telegram`. `TgUser` plays a person in a private chat, pressing buttons by what they
 * carry (`a:4`, `st`, `sd`…) on the newest message that has them, as a thumb would.
 */

export const SECRET = 'test-webhook-secret_0123456789';

export interface Harness {
  core: Core;
  api: FakeBotApi;
  app: FastifyInstance;
  channel: TelegramChannel;
  checkins: CheckinsService;
  url: string;
  dataDir: string;
  /**
   * POSTs an update as Telegram does, like Telegram runs the method a 200 response names (webhook reply), and
   * resolves once the bot said what the turn saved.
   */
  post(update: Update | string, secret?: string): Promise<{ status: number; body: string }>;
  user(id: number, language_code?: string): TgUser;
  invite(flow: string, over?: { ageBand?: 'young' | 'teen'; locale?: 'nl' | 'fr' | 'en' }): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

export async function startHarness(opts: { db: number; pace?: Pace }): Promise<Harness> {
  const flush = await freshRedis(opts.db);
  await flush.quit();
  const dataDir = mkdtempSync(join(tmpdir(), 'fb-telegram-'));
  const api = await startFakeBotApi();
  const config = loadConfig({ REDIS_URL: redisUrl(opts.db), NODE_ENV: 'test', PSEUDONYM_KEY: 'x'.repeat(32), DATA_DIR: dataDir });
  const core = await createCore(config, pino({ level: 'silent' }));
  const checkins: CheckinsService = createCheckins({ store: new RedisCheckinStore({ redis: core.redis! }), bank: core.bank, defaultLocale: 'nl', secret: 'x'.repeat(32) });
  core.runner.observe({ saved: (turn, r) => checkins.onEvents(turn.key, r.events, r.state) });
  const app = createServer();
  const channel = createTelegramChannel({
    core, app, checkins, token: api.token, secret: SECRET, apiRoot: api.apiRoot, publicUrl: 'https://bot.example.org/', botInfo: api.botInfo,
    ...(opts.pace ? { pace: opts.pace } : {}),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as import('node:net').AddressInfo;
  const url = `http://127.0.0.1:${address.port}/telegram`;
  await channel.start();
  const h: Harness = {
    core, api, app, channel, checkins, url, dataDir,
    async post(update, secret = SECRET) {
      const res = await postUpdate(url, update, secret);
      if (res.status === 200) api.webhookReply(res.body);
      // The bot answers once the turn is saved and says it after (the outbox): what the chat shows, once said.
      await core.outbox.idle();
      return res;
    },
    user: (id, language_code = 'nl') => new TgUser(h, { id, is_bot: false, first_name: 'Sam', language_code }),
    async invite(flow, over = {}) {
      const role = core.bank.flows.get(flow)!.audience.role;
      const { checkin } = await checkins.create({ flow, caseRef: 'CASE-T', respondent: { role, ...(over.ageBand ? { ageBand: over.ageBand } : {}) }, ...(over.locale ? { locale: over.locale } : {}) }, 'test');
      if (!checkin.token) throw new Error('the check-in came without an invite token');
      return { id: checkin.id, token: checkin.token };
    },
    async close() {
      await channel.stop();
      await app.close();
      await core.close();
      await api.close();
    },
  };
  return h;
}

export const buttonsOf = (m: StoredMessage | undefined): InlineKeyboardButton.CallbackButton[] =>
  ((m?.reply_markup as { inline_keyboard?: InlineKeyboardButton.CallbackButton[][] } | undefined)?.inline_keyboard ?? []).flat();

export class TgUser {
  /** Needs only the fake (to read what the chat shows) and a way to post updates (one bot or several). */
  constructor(readonly h: Pick<Harness, 'api' | 'post'>, readonly user: User) {}

  get id(): number {
    return this.user.id;
  }

  messages(): StoredMessage[] {
    return this.h.api.messages(this.user.id);
  }

  /** The newest message that still has a keyboard. */
  keyboardMessage(): StoredMessage | undefined {
    return this.h.api.newest(this.user.id, (m) => buttonsOf(m).length > 0);
  }

  /** What the bot's message looks like inside a callback query. */
  asMessage(m: StoredMessage): Message {
    return {
      message_id: m.message_id, date: m.date, chat: privateChat(this.user), text: m.text,
      from: { id: this.h.api.botInfo.id, is_bot: true, first_name: this.h.api.botInfo.first_name, username: this.h.api.botInfo.username },
      ...(m.reply_markup ? { reply_markup: m.reply_markup } : {}),
    } as Message;
  }

  /** The update a tap on the button ending in `|<code>` of the newest keyboard would send. */
  tap(code: string, from: StoredMessage | undefined = this.keyboardMessage()): Update {
    const button = buttonsOf(from).find((b) => b.callback_data.endsWith(`|${code}`));
    if (!from || !button) throw new Error(`no button ${code} in [${buttonsOf(from).map((b) => b.callback_data).join(' ')}]`);
    return callbackQuery(button.callback_data, { from: this.user, message: this.asMessage(from) });
  }

  press(code: string) {
    return this.h.post(this.tap(code));
  }

  say(text: string) {
    return this.h.post(textMessage(text, { from: this.user }));
  }

  start(token?: string) {
    return this.h.post(startCommand(token, { from: this.user }));
  }

  /** The texts the bot sent to this chat since `after` messages, as they look now. */
  texts(after = 0): string[] {
    return this.messages().slice(after).map((m) => m.text);
  }
}
