import type { RedisClient } from '../../redis/connect.js';
import { keys } from '../../keys.js';

/**
 * What the Teams channel keeps per conversation, next to the runner's state: the **only** place Teams platform
 * ids are stored.
 * - `ref`: the Bot Framework conversation reference (service URL, conversation id, the user's and the bot's
 *   Teams ids, tenant). Without it the bot cannot write first: reminders and proactive check-ins need it.
 * - `card`: the last question card sent (its activity id, what it asked and its text), so that after an answer
 *   the card can be replaced by one that shows the answer and has no buttons left to press.
 * Redis: `fb:{<conversation key>}:teams` holds `ref` (the conversation's hash tag, so it lives in the same Cluster
 * slot as its state), with a TTL renewed whenever the person writes (never shortened: consent to follow-ups may
 * have set a longer one); the card, whose text may be the review with every answer, lives apart in
 * `fb:{<conversation key>}:teams:card` for a conversation's time only. A respondent's `/wis` deletes both.
 * Without Redis: a map in this process, with the same TTLs.
 */

export interface LastCard {
  /** The activity id the Connector gave the card. */
  id: string;
  /** The engine's `ask` id of the question on it. */
  ask: string;
  /** The question as shown (without progress line), to redraw the card once it is answered. */
  text: string;
  progress?: string;
}

export interface TeamsRecord {
  ref?: Record<string, unknown>;
  card?: LastCard;
}

export interface TeamsRecords {
  get(key: string): Promise<TeamsRecord>;
  setRef(key: string, ref: Record<string, unknown>): Promise<void>;
  setCard(key: string, card: LastCard | null): Promise<void>;
  /** Keeps the record at least `seconds` from now (consent to follow-ups); later writes never shorten that. */
  keep(key: string, seconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Milestone check-ins come months apart (start, month 4, month 8, follow-up): keep a reference for 400 days. */
export const RECORD_TTL_SECONDS = 400 * 24 * 3600;
/** A question card lives as long as a conversation can (the flows' 7 days and a day), not as long as consent. */
export const CARD_TTL_SECONDS = 8 * 24 * 3600;

export function redisTeamsRecords(redis: RedisClient, ttlSeconds = RECORD_TTL_SECONDS, cardTtlSeconds = CARD_TTL_SECONDS): TeamsRecords {
  const name = (key: string) => keys.conversation(key, 'teams');
  const cardName = (key: string) => keys.conversation(key, 'teams:card');
  return {
    async get(key) {
      const [ref, card] = await Promise.all([redis.hget(name(key), 'ref'), redis.get(cardName(key))]);
      return { ...(ref ? { ref: JSON.parse(ref) as Record<string, unknown> } : {}), ...(card ? { card: JSON.parse(card) as LastCard } : {}) };
    },
    async setRef(key, ref) {
      await redis.multi().hset(name(key), 'ref', JSON.stringify(ref)).expire(name(key), ttlSeconds, 'NX').expire(name(key), ttlSeconds, 'GT').exec();
    },
    async setCard(key, card) {
      if (card) await redis.set(cardName(key), JSON.stringify(card), 'EX', cardTtlSeconds);
      else await redis.del(cardName(key));
    },
    async keep(key, seconds) {
      await redis.expire(name(key), seconds, 'GT');
    },
    async delete(key) {
      await redis.del(name(key), cardName(key));
    },
  };
}

/** The embedded default (no Redis): one process, records lost on restart, expired ones dropped as they are read. */
export function memoryTeamsRecords(ttlSeconds = RECORD_TTL_SECONDS, now: () => number = Date.now, cardTtlSeconds = CARD_TTL_SECONDS): TeamsRecords {
  const map = new Map<string, TeamsRecord & { until: number; cardUntil?: number }>();
  const live = (key: string) => {
    const r = map.get(key);
    if (r && r.until <= now()) map.delete(key);
    return r && r.until > now() ? r : undefined;
  };
  const touch = (key: string, patch: (r: TeamsRecord) => TeamsRecord, seconds = ttlSeconds) => {
    const r = live(key);
    map.set(key, { ...patch(r ?? {}), until: Math.max(r?.until ?? 0, now() + seconds * 1000) });
  };
  return {
    async get(key) {
      const r = live(key);
      const card = r?.card && (r.cardUntil ?? 0) > now() ? r.card : undefined;
      return r ? { ...(r.ref ? { ref: r.ref } : {}), ...(card ? { card } : {}) } : {};
    },
    async setRef(key, ref) {
      touch(key, (r) => ({ ...r, ref }));
    },
    async setCard(key, card) {
      touch(key, ({ card: _old, ...r }) => (card ? { ...r, card, cardUntil: now() + cardTtlSeconds * 1000 } : r));
    },
    async keep(key, seconds) {
      if (live(key)) touch(key, (r) => r, seconds);
    },
    async delete(key) {
      map.delete(key);
    },
  };
}
