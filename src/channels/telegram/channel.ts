import type { FastifyInstance } from 'fastify';
import { Bot, GrammyError, webhookCallback, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Core } from '../../app.js';
import { sameSecret } from '../../checkins/auth.js';
import type { Checkins } from '../../checkins/port.js';
import { CLOSED_STATES } from '../../conversation/machine.js';
import type { TurnResult } from '../../turns/runner.js';
import type { Input } from '../../conversation/types.js';
import { errorSummary } from '../../log.js';
import { printableUrl, within } from '../../startup.js';
import { LOCALES, type Locale } from '../../survey/schema.js';
import { botApiFetch } from './fetch.js';
import { createInbound, startToken } from '../kit/inbound.js';
import { conversationSeconds } from '../kit/records.js';
import { chatRecords } from './record.js';
import { commandMenu, pressNotice } from './render.js';
import { ChatLanes, type Pace } from '../kit/lanes.js';
import { DEFAULT_PACE, retryAfter } from './send.js';
import { createSpeaker, type Pressed, type Via } from './speaker.js';
import { isWellFormedUpdate } from './update.js';

/**
 * The Telegram channel on grammY: platform update → neutral input → runner → prompts as Telegram messages.
 * Webhook mode (`POST /telegram` on the one HTTP server, secret checked by grammY) when a public URL is
 * given, long polling otherwise. An update is acknowledged as soon as its turn was saved, what it says with it
 * (the outbox): the outbox's sender says it afterwards at the chat's pace, so a quick tapper never waits for a
 * send slot and a crash in between loses nothing. A turn that could not be saved answers 5xx, so Telegram
 * delivers it again (the runner recognises the update id if it got further than that). Chat ids stay here: the
 * rest of the bot sees `tg:<pseudonym>`; the chat id is kept only in the per-conversation record (see record.ts).
 */

export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const;
/** Telegram waits about a minute for a webhook answer; flood waits can make a turn slow, but not that slow. */
const WEBHOOK_TIMEOUT_MS = 50_000;
/** The Bot API answered, and refused the token (401 Unauthorized, 404 Not Found): the token is what to fix. */
const refusedToken = (err: unknown) =>
  err instanceof GrammyError && [401, 404].includes(err.error_code) ? { variable: 'TELEGRAM_BOT_TOKEN', reason: `the Bot API refused the token (${err.error_code} ${err.description})` } : undefined;

/** The Bot API answered setWebhook with an error (an address it cannot reach or will not use): PUBLIC_URL is what to fix. */
const refusedWebhook = (err: unknown) =>
  err instanceof GrammyError ? { variable: 'PUBLIC_URL', reason: `the Bot API refused the webhook (${err.error_code} ${err.description})` } : undefined;

/** grammY types its signal as the abort-controller package's; the platform's AbortSignal is what it uses at run time. */
const abortOf = (signal: AbortSignal) => signal as unknown as Parameters<Bot['api']['getMe']>[0];

/** `/start` with or without the deep link's payload. */
const SLASH_START = /^\/start(?:@\w+)?(?:\s+(\S+))?\s*$/i;

export interface TelegramChannelOptions {
  core: Core;
  /** The one HTTP server; `POST /telegram` is registered on it in webhook mode. */
  app?: FastifyInstance;
  checkins?: Checkins;
  token: string;
  /** Checked on every webhook call (`X-Telegram-Bot-Api-Secret-Token`); required with `publicUrl`. */
  secret?: string;
  /** Bot API server (`TELEGRAM_API_ROOT`): Telegram's, a self-hosted one, or a test double. */
  apiRoot?: string;
  /** Set → webhook mode at `<publicUrl>/telegram`; unset → long polling. */
  publicUrl?: string;
  /** Known bot identity: grammY then never calls getMe. */
  botInfo?: UserFromGetMe;
  /** Per-chat pacing (default ~1 message per second, bursts of 3). */
  pace?: Pace;
  /** Counts a webhook request that was not a well-formed update (acknowledged and ignored). */
  onMalformed?: () => void;
}

export interface TelegramChannel {
  bot: Bot;
  mode: 'webhook' | 'polling';
  /** Registers commands and the webhook (or starts polling). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createTelegramChannel(opts: TelegramChannelOptions): TelegramChannel {
  const { core, checkins } = opts;
  const { log, texts } = core;
  const defaultLocale = core.config.DEFAULT_LOCALE;
  const mode = opts.publicUrl ? 'webhook' : 'polling';
  if (mode === 'webhook' && (!opts.secret || !opts.app)) throw new Error('Telegram webhook mode needs a secret and the HTTP server');

  // A button press is answered in the webhook's own HTTP response (Telegram runs the method named there): one
  // API call less per turn. Only answerCallbackQuery: its result is not needed, and it is said last.
  const apiRoot = opts.apiRoot ?? 'https://api.telegram.org';
  const client = { apiRoot, fetch: botApiFetch(apiRoot), canUseWebhookReply: (method: string) => method === 'answerCallbackQuery' };
  const bot = new Bot(opts.token, { client, ...(opts.botInfo ? { botInfo: opts.botInfo } : {}) });
  bot.api.config.use(retryAfter());
  const records = chatRecords({ redis: core.redis, ttlSeconds: conversationSeconds(core.bank) });
  const lanes = new ChatLanes(opts.pace ?? DEFAULT_PACE);
  const speaker = createSpeaker({ api: bot.api, records, lanes, texts, log, defaultLocale, checkins, answerLast: mode === 'webhook' });

  const inbound = createInbound(core, checkins, 'telegram');
  const keyOf = (chat: number) => `tg:${core.pseudonymise('telegram', chat)}`;
  /** The user's app language when the bot speaks it, else the default: for texts said before any check-in. */
  const langOf = (ctx: Context): Locale => {
    const code = ctx.from?.language_code?.slice(0, 2);
    return (LOCALES as readonly string[]).includes(code ?? '') ? (code as Locale) : defaultLocale;
  };

  /** The question message a button press came from, when Telegram still shows its text. */
  const pressedOf = (ctx: Context): Pressed | undefined => {
    const message = ctx.callbackQuery?.message;
    return message && 'text' in message && message.text !== undefined ? { id: message.message_id, text: message.text } : undefined;
  };
  /** What the outbox keeps to say a turn of this update. */
  const viaOf = (ctx: Context, chat: number): { via: Via } => {
    const pressed = pressedOf(ctx);
    return { via: { chat, ...(pressed ? { pressed } : {}) } };
  };

  /** Runs a turn; when it cannot be saved, says "try again" if possible and fails the update (5xx). */
  async function turn(ctx: Context, chat: number, input: Input): Promise<void> {
    const key = keyOf(chat);
    const result = await inbound.turn(key, input, String(ctx.update.update_id), (lng) => sayTryAgain(ctx, chat, lng), viaOf(ctx, chat));
    if (result) return sayResult(ctx, chat, key, result);
    if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
  }

  async function sayResult(ctx: Context, chat: number, key: string, result: TurnResult): Promise<void> {
    const query = ctx.callbackQuery;
    if (result.queued) {
      // Saved: the press is answered now (a notice is its toast), its messages follow from the outbox.
      const { toast } = pressNotice(result.prompts);
      if (query) await ctx.answerCallbackQuery(toast ? { text: toast } : {}).catch(() => undefined);
      return;
    }
    const ctxState = result.state?.context;
    const pressed = pressedOf(ctx);
    await speaker.reply(key, chat, {
      prompts: result.prompts, events: result.events,
      ...(query ? { answer: (text?: string) => ctx.answerCallbackQuery(text ? { text } : {}), ...(pressed ? { pressed } : {}) } : {}),
      ...(ctxState ? { lng: ctxState.lng, checkinId: ctxState.checkin.id } : {}),
      final: !result.state || CLOSED_STATES.includes(result.state.value),
    }).catch((err: unknown) => log.warn({ key, err: errorSummary(err) }, 'telegram: saved turn could not be said'));
  }

  /** Through `bot.api`, not the webhook reply: the update must still fail with a 5xx so Telegram sends it again. */
  async function sayTryAgain(ctx: Context, chat: number, lng: Locale): Promise<void> {
    const text = texts.t(lng)('tryAgain');
    if (ctx.callbackQuery) await bot.api.answerCallbackQuery(ctx.callbackQuery.id, { text }).catch(() => undefined);
    else await bot.api.sendMessage(chat, text).catch(() => undefined);
  }

  /** `/start <token>` from an invite link: redeem it and open that check-in; without a token, explain. */
  async function start(ctx: Context, chat: number, token: string | undefined): Promise<void> {
    const key = keyOf(chat);
    if (!token) {
      if (await core.store.load(key)) return turn(ctx, chat, { kind: 'text', text: ctx.message?.text ?? '/start' });
      return speaker.reply(key, chat, { prompts: [{ kind: 'message', text: texts.t(langOf(ctx))('intro.noCheckin') }] });
    }
    const by = { pseudonym: core.pseudonymise('telegram', chat), updateId: String(ctx.update.update_id), lng: langOf(ctx), outbox: viaOf(ctx, chat) };
    const { result, refusal } = await inbound.start(key, token, by, (lng) => sayTryAgain(ctx, chat, lng));
    if (result) return sayResult(ctx, chat, key, result);
    if (refusal) return speaker.reply(key, chat, { prompts: [refusal] });
  }

  // Feedback is one-to-one: in a group the bot says so and leaves.
  bot.use(async (ctx, next) => {
    const chat = ctx.chat;
    if (!chat) {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
      return; // nothing this bot handles
    }
    if (chat.type === 'private') return next();
    const status = ctx.myChatMember?.new_chat_member.status;
    if (status === 'left' || status === 'kicked') return;
    log.info({ chatType: chat.type }, 'telegram: refusing a group chat');
    if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
    await bot.api.sendMessage(chat.id, texts.t(langOf(ctx))('telegram.group')).catch(() => undefined);
    await bot.api.leaveChat(chat.id).catch(() => undefined);
  });

  bot.on('my_chat_member', async (ctx) => {
    const status = ctx.myChatMember.new_chat_member.status;
    if (status === 'kicked') await speaker.blocked(keyOf(ctx.chat.id), ctx.chat.id);
    else if (status === 'member') await speaker.unblocked(keyOf(ctx.chat.id), ctx.chat.id);
  });

  bot.on('edited_message', async (ctx) => {
    const key = keyOf(ctx.chat.id);
    const lng = (await speaker.lngOf(key)) ?? langOf(ctx);
    await speaker.reply(key, ctx.chat.id, { prompts: [{ kind: 'notice', text: texts.t(lng)('telegram.edited') }] });
  });

  bot.on('callback_query:data', (ctx) => turn(ctx, ctx.chat!.id, { kind: 'button', data: ctx.callbackQuery.data }));
  bot.on('callback_query', (ctx) => ctx.answerCallbackQuery());

  bot.on('message:text', (ctx) => {
    const text = ctx.message.text.trim();
    const slash = SLASH_START.exec(text);
    if (slash) return start(ctx, ctx.chat.id, slash[1]);
    const typed = startToken(text);
    if (typed) return start(ctx, ctx.chat.id, typed);
    return turn(ctx, ctx.chat.id, { kind: 'text', text: ctx.message.text, lng: langOf(ctx) });
  });
  // Stickers, photos, voice messages…: the engine answers that only text and buttons work.
  bot.on('message', (ctx) => turn(ctx, ctx.chat.id, { kind: 'unsupported', lng: langOf(ctx) }));

  bot.catch((err) => log.error({ err: errorSummary(err) }, 'telegram: update failed (polling)'));

  if (mode === 'webhook') {
    const handle = webhookCallback(bot, 'fastify', { secretToken: opts.secret, onTimeout: 'throw', timeoutMilliseconds: WEBHOOK_TIMEOUT_MS });
    opts.app!.post('/telegram', async (req, reply) => {
      // After the secret check (a request without it is grammY's 401): malformed is acknowledged, never redelivered.
      if (sameSecret(req.headers['x-telegram-bot-api-secret-token'], opts.secret!) && !isWellFormedUpdate(req.body)) {
        opts.onMalformed?.();
        log.warn('telegram: malformed update acknowledged and ignored');
        return reply.code(200).send({ ok: true });
      }
      try {
        await handle(req, reply);
      } catch (err) {
        log.warn({ err: errorSummary(err) }, 'telegram: update not acknowledged; Telegram will deliver it again');
        if (!reply.sent) await reply.code(503).send({ ok: false });
      }
    });
  }
  core.outbound.set('tg', { send: (key, prompts, about) => speaker.push(key, prompts, about), keep: (key, seconds) => speaker.keep(key, seconds), say: (key, entry) => speaker.say(key, entry) });

  /** The menus are independent calls: all at once, one round trip to Telegram instead of one per language. */
  async function setCommands(): Promise<void> {
    await Promise.all([
      bot.api.setMyCommands(commandMenu(texts, defaultLocale)),
      ...LOCALES.map((lng) => bot.api.setMyCommands(commandMenu(texts, lng), { language_code: lng })),
    ]);
  }

  return {
    bot,
    mode,
    async start() {
      // Telegram unreachable or silent would otherwise hold the start for minutes (grammY waits 500 s per call).
      const api = { variable: 'TELEGRAM_API_ROOT', address: printableUrl(apiRoot), describe: refusedToken };
      // getMe directly: bot.init() retries network errors without end, which would hide the cause behind the timeout.
      if (!bot.isInited()) bot.botInfo = await within(api, (signal) => bot.api.getMe(abortOf(signal)));
      if (mode === 'webhook') {
        const url = new URL('telegram', opts.publicUrl!.endsWith('/') ? opts.publicUrl : `${opts.publicUrl}/`).toString();
        await within({ ...api, describe: refusedWebhook }, (signal) => Promise.all([
          setCommands(),
          bot.api.setWebhook(url, { allowed_updates: [...ALLOWED_UPDATES], drop_pending_updates: false, secret_token: opts.secret }, abortOf(signal)),
        ]));
        log.info({ mode }, 'telegram: webhook registered');
      } else {
        await within(api, (signal) => Promise.all([setCommands(), bot.api.deleteWebhook({ drop_pending_updates: false }, abortOf(signal))]));
        bot.start({ allowed_updates: [...ALLOWED_UPDATES], drop_pending_updates: false }).catch((err: unknown) => {
          log.error({ err: errorSummary(err) }, 'telegram: long polling stopped');
        });
        log.info({ mode }, 'telegram: long polling');
      }
    },
    async stop() {
      core.outbound.delete('tg');
      if (mode === 'polling' && bot.isRunning()) await bot.stop();
    },
  };
}
