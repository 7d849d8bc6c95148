import type { RedisClient } from '../../redis/connect.js';
import type { Locale } from '../../survey/schema.js';
import { conversationRecords, type Records } from '../kit/records.js';

/**
 * What the Telegram channel remembers per conversation, beside the engine's state: the chat id (so
 * reminders and proactive messages can reach the chat — the only place a Telegram id is stored, always under
 * the pseudonymised key and with a TTL), the last question message (so a typed answer can close its
 * keyboard), and whether the user blocked the bot. `/wis` deletes it with the conversation.
 *
 * Redis: `fb:{<key>}:tg`; the last question (its text may be the whole review: every answer) lives apart in
 * `fb:{<key>}:tg:last` for the conversation's time only, so consent to follow-ups keeps the chat id for months
 * but never the answers (../kit/records.ts).
 */
export interface ChatRecord {
  chat: number;
  lng?: Locale;
  checkinId?: string;
  /** The user blocked the bot (403): nothing is sent until they write again. */
  blocked?: boolean;
  /** The last question sent: its message id, what it asks, its text, and whether its keyboard is still on. */
  last?: { id: number; ask: string; text: string; open: boolean };
  /** Epoch seconds: consent to follow-ups keeps the record (and so the chat id) at least until then. */
  keepUntil?: number;
}

export type ChatRecords = Records<ChatRecord>;

export const chatRecords = (opts: { redis?: RedisClient; ttlSeconds: number; prefix?: string }): ChatRecords =>
  conversationRecords<ChatRecord>({ ...opts, name: 'tg', short: 'last' });
