import type { Chat, Message, Update, User } from 'grammy/types';

/**
 * Factories for Telegram `Update`s shaped like the ones Telegram really sends, so channel tests exercise the
 * same fields the live bot sees (entities on commands, the bot's own message inside a callback query, …).
 * Update ids increase monotonically across a test file unless given, because the bot de-duplicates on them.
 */

/** An incoming message as an update carries it (not from a channel). */
type Incoming = NonNullable<Update['message']>;

export const DEFAULT_USER: User = { id: 4242001, is_bot: false, first_name: 'Sam', language_code: 'nl' };

export interface UpdateOptions {
  updateId?: number;
  /** The sender; defaults to {@link DEFAULT_USER}. */
  from?: User;
  /** The chat; defaults to the sender's private chat. */
  chat?: Chat;
  messageId?: number;
  /** Unix seconds. */
  date?: number;
}

let lastUpdateId = 700_000_000;
let lastMessageId = 1_000;

/** The next update id; later than every id handed out before in this process. */
export function nextUpdateId(): number {
  return ++lastUpdateId;
}

export function privateChat(user: User = DEFAULT_USER): Chat.PrivateChat {
  const chat: Chat.PrivateChat = { id: user.id, type: 'private', first_name: user.first_name };
  if (user.username !== undefined) chat.username = user.username;
  return chat;
}

export function groupChat(id = -4_012_345_678, title = 'Ouders De Linde'): Chat.GroupChat {
  return { id, type: 'group', title };
}

function updateId(opts: UpdateOptions): number {
  if (opts.updateId === undefined) return nextUpdateId();
  lastUpdateId = Math.max(lastUpdateId, opts.updateId);
  return opts.updateId;
}

/** The envelope every incoming message shares; `chat` as given or the sender's private chat. */
function envelope(opts: UpdateOptions) {
  const from = opts.from ?? DEFAULT_USER;
  return {
    message_id: opts.messageId ?? ++lastMessageId,
    from,
    chat: opts.chat ?? privateChat(from),
    date: opts.date ?? Math.floor(Date.now() / 1000),
  };
}

/** A plain text message in a private chat (or `opts.chat`). */
export function textMessage(text: string, opts: UpdateOptions = {}): Update {
  return { update_id: updateId(opts), message: { ...envelope(opts), text } as Incoming };
}

/** `/start <payload>` as Telegram sends it after a deep link `t.me/<bot>?start=<payload>`. */
export function startCommand(payload?: string, opts: UpdateOptions = {}): Update {
  const text = payload ? `/start ${payload}` : '/start';
  const message = {
    ...envelope(opts),
    text,
    entities: [{ type: 'bot_command' as const, offset: 0, length: '/start'.length }],
  } as Incoming;
  return { update_id: updateId(opts), message };
}

export interface CallbackOptions extends UpdateOptions {
  /**
   * The bot's message the button belongs to (e.g. what `sendMessage` on the fake returned); if omitted, a minimal
   * one from the fake's default bot (id 123456789).
   */
  message?: Message;
  callbackQueryId?: string;
}

/** A tap on an inline button: `data` plus the bot message that carried the keyboard. */
export function callbackQuery(data: string, opts: CallbackOptions = {}): Update {
  const from = opts.from ?? DEFAULT_USER;
  const message = opts.message ?? ({
    message_id: opts.messageId ?? ++lastMessageId,
    from: { id: 123456789, is_bot: true, first_name: 'Feedback Bot', username: 'feedback_test_bot' },
    chat: opts.chat ?? privateChat(from),
    date: opts.date ?? Math.floor(Date.now() / 1000),
    text: 'Question',
  } as Message.TextMessage);
  const callback_query = {
    id: opts.callbackQueryId ?? `${from.id}${nextUpdateId()}`,
    from,
    message,
    chat_instance: `-${Math.abs(message.chat.id)}77`,
    data,
  };
  return { update_id: updateId(opts), callback_query };
}

/** The user edited an earlier text message; Telegram sends the whole message again with `edit_date`. */
export function editedMessage(text: string, opts: UpdateOptions = {}): Update {
  const base = envelope(opts);
  const edited_message = { ...base, text, edit_date: base.date + 5 } as Update['edited_message'];
  return { update_id: updateId(opts), edited_message };
}

export function stickerMessage(opts: UpdateOptions = {}): Update {
  const sticker = {
    file_id: 'CAACAgIAAxkBAAEBsticker',
    file_unique_id: 'AgADsticker',
    type: 'regular' as const,
    width: 512,
    height: 512,
    is_animated: false,
    is_video: false,
    emoji: '👍',
    set_name: 'HotCherry',
  };
  return { update_id: updateId(opts), message: { ...envelope(opts), sticker } as Incoming };
}

export function photoMessage(caption?: string, opts: UpdateOptions = {}): Update {
  const size = (w: number, h: number, s: number) => ({
    file_id: `AgACAgQAAxkBAAEphoto${w}`,
    file_unique_id: `AQADphoto${w}`,
    width: w,
    height: h,
    file_size: s,
  });
  const photo = [size(90, 67, 1_200), size(320, 240, 15_000), size(1280, 960, 120_000)];
  const message = { ...envelope(opts), photo, ...(caption ? { caption } : {}) } as Incoming;
  return { update_id: updateId(opts), message };
}

export function voiceMessage(durationSeconds = 4, opts: UpdateOptions = {}): Update {
  const voice = {
    file_id: 'AwACAgQAAxkBAAEvoice',
    file_unique_id: 'AgADvoice',
    duration: durationSeconds,
    mime_type: 'audio/ogg',
    file_size: 9_000,
  };
  return { update_id: updateId(opts), message: { ...envelope(opts), voice } as Incoming };
}

/** A text message in a group the bot was added to (the bot should not run questionnaires there). */
export function groupMessage(text: string, opts: UpdateOptions = {}): Update {
  return textMessage(text, { ...opts, chat: opts.chat ?? groupChat() });
}

/** The user blocked the bot: Telegram reports the bot's own membership change in the private chat. */
export function botBlocked(opts: UpdateOptions & { bot?: User } = {}): Update {
  const from = opts.from ?? DEFAULT_USER;
  const bot = opts.bot ?? { id: 123456789, is_bot: true, first_name: 'Feedback Bot', username: 'feedback_test_bot' };
  const my_chat_member = {
    chat: opts.chat ?? privateChat(from),
    from,
    date: opts.date ?? Math.floor(Date.now() / 1000),
    old_chat_member: { status: 'member' as const, user: bot },
    new_chat_member: { status: 'kicked' as const, user: bot, until_date: 0 },
  };
  return { update_id: updateId(opts), my_chat_member };
}

/**
 * POSTs an update to a webhook the way Telegram does: JSON body, and the secret in
 * `X-Telegram-Bot-Api-Secret-Token` when one was registered with setWebhook.
 * A string is sent as the raw body, for tests that feed the webhook broken JSON.
 */
export async function postUpdate(
  url: string,
  update: Update | string,
  secretToken?: string,
): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secretToken !== undefined) headers['x-telegram-bot-api-secret-token'] = secretToken;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof update === 'string' ? update : JSON.stringify(update),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text() };
}
