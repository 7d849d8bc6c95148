import type { Redis } from 'ioredis';
import type { Locale } from '../../survey/schema.js';

/**
 * What the Telegram channel remembers per conversation, beside the engine's state: the chat id (so
 * reminders and proactive messages can reach the chat — the only place a Telegram id is stored, always under
 * the pseudonymised key and with a TTL), the last question message (so a typed answer can close its
 * keyboard), and whether the user blocked the bot. `/wis` deletes it with the conversation.
 *
 * Redis: `fb:{<key>}:tg` (same hash tag as the conversation), JSON, TTL refreshed on every write. The last
 * question (its text may be the whole review: every answer) lives apart in `fb:{<key>}:tg:last` for the
 * conversation's time only, so consent to follow-ups keeps the chat id for months but never the answers.
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

/** Seconds the record lives after a write: the conversation's time, or longer while consent keeps it. */
const ttlOf = (record: ChatRecord, ttlSeconds: number, nowMs: number) => Math.max(ttlSeconds, Math.ceil((record.keepUntil ?? 0) - nowMs / 1000));

export interface ChatRecords {
  get(key: string): Promise<ChatRecord | undefined>;
  put(key: string, record: ChatRecord): Promise<void>;
  delete(key: string): Promise<void>;
}

export function redisChatRecords(redis: Redis, ttlSeconds: number, prefix = 'fb'): ChatRecords {
  const k = (key: string) => `${prefix}:{${key}}:tg`;
  const l = (key: string) => `${prefix}:{${key}}:tg:last`;
  return {
    async get(key) {
      const [raw, last] = await redis.mget(k(key), l(key));
      if (!raw) return undefined;
      const record = JSON.parse(raw) as ChatRecord;
      return last ? { ...record, last: JSON.parse(last) as ChatRecord['last'] } : record;
    },
    async put(key, { last, ...record }) {
      const tx = redis.multi().set(k(key), JSON.stringify(record), 'EX', ttlOf(record, ttlSeconds, Date.now()));
      await (last ? tx.set(l(key), JSON.stringify(last), 'EX', ttlSeconds) : tx.del(l(key))).exec();
    },
    async delete(key) {
      await redis.del(k(key), l(key));
    },
  };
}

/** The embedded default: one process, records expire lazily on read and are swept every thousand writes. */
export function memoryChatRecords(ttlSeconds: number, now: () => number = Date.now): ChatRecords {
  const map = new Map<string, { record: ChatRecord; until: number; lastUntil: number }>();
  let writes = 0;
  const sweep = () => {
    const t = now();
    for (const [key, e] of map) if (e.until <= t) map.delete(key);
  };
  return {
    async get(key) {
      const e = map.get(key);
      if (e && e.until > now()) {
        const { last, ...record } = structuredClone(e.record);
        return e.lastUntil > now() && last ? { ...record, last } : record;
      }
      map.delete(key);
      return undefined;
    },
    async put(key, record) {
      if (++writes % 1000 === 0) sweep();
      map.set(key, { record: structuredClone(record), until: now() + ttlOf(record, ttlSeconds, now()) * 1000, lastUntil: now() + ttlSeconds * 1000 });
    },
    async delete(key) {
      map.delete(key);
    },
  };
}
