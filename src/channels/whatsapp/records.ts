import type { Redis } from 'ioredis';
import type { Prompt } from '../../conversation/types.js';
import type { Locale } from '../../survey/schema.js';

/**
 * What the WhatsApp channel keeps per conversation, beside the engine's state. The respondent's WhatsApp id (their
 * phone number) is needed to write to them, and this record is the only place it is kept: under the pseudonymised
 * conversation key, with a TTL, deleted with `/wis`. Message ids (`wamid.…`, which encode the number) are kept only
 * as keyed hashes.
 *
 * Redis: `fb:{<key>}:wa` (the conversation's hash tag), JSON, TTL refreshed on every write; consent to follow-ups
 * may keep it for months. What is held behind a template (a question, maybe the review with every answer) lives
 * apart in `fb:{<key>}:wa:held` for the conversation's time only, so the months never keep answers. Without Redis:
 * a map in this process with the same TTLs.
 */
export interface WaRecord {
  /** The WhatsApp id to send to. */
  to: string;
  lng?: Locale;
  checkinId?: string;
  /** Epoch ms of the respondent's last message: the 24-hour customer-service window runs from it. */
  lastInbound?: number;
  /** A message failed for good (undeliverable, blocked): nothing is written first until they write again. */
  unreachable?: boolean;
  /** The question on screen: what it asks, at which revision, and the (hashed) ids of the messages that carry it. */
  open?: { ask: string; rev: number; ids: string[] };
  /** Hashed ids of the messages of earlier questions (the newest few dozen): a press on one of them is old. */
  past?: string[];
  /** Said while the window was closed: sent once the respondent answers the template that stood in for it. */
  held?: Prompt[];
  /** Epoch seconds: consent to follow-ups keeps the record (and so the number) at least until then. */
  keepUntil?: number;
}

export interface WaRecords {
  get(key: string): Promise<WaRecord | undefined>;
  put(key: string, record: WaRecord): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Seconds the record lives after a write: the conversation's time, or longer while consent keeps it. */
const ttlOf = (record: WaRecord, ttlSeconds: number, nowMs: number) => Math.max(ttlSeconds, Math.ceil((record.keepUntil ?? 0) - nowMs / 1000));

export function redisWaRecords(redis: Redis, ttlSeconds: number, prefix = 'fb'): WaRecords {
  const name = (key: string) => `${prefix}:{${key}}:wa`;
  const heldName = (key: string) => `${prefix}:{${key}}:wa:held`;
  return {
    async get(key) {
      const [raw, held] = await redis.mget(name(key), heldName(key));
      if (!raw) return undefined;
      const record = JSON.parse(raw) as WaRecord;
      return held ? { ...record, held: JSON.parse(held) as Prompt[] } : record;
    },
    async put(key, { held, ...record }) {
      const tx = redis.multi().set(name(key), JSON.stringify(record), 'EX', ttlOf(record, ttlSeconds, Date.now()));
      await (held?.length ? tx.set(heldName(key), JSON.stringify(held), 'EX', ttlSeconds) : tx.del(heldName(key))).exec();
    },
    async delete(key) {
      await redis.del(name(key), heldName(key));
    },
  };
}

/** The embedded default: records expire as they are read, and are swept every thousand writes. */
export function memoryWaRecords(ttlSeconds: number, now: () => number = Date.now): WaRecords {
  const map = new Map<string, { record: WaRecord; until: number; heldUntil: number }>();
  let writes = 0;
  return {
    async get(key) {
      const e = map.get(key);
      if (!e || e.until <= now()) {
        map.delete(key);
        return undefined;
      }
      const { held, ...record } = structuredClone(e.record);
      return held && e.heldUntil > now() ? { ...record, held } : record;
    },
    async put(key, record) {
      if (++writes % 1000 === 0) for (const [k, e] of map) if (e.until <= now()) map.delete(k);
      map.set(key, { record: structuredClone(record), until: now() + ttlOf(record, ttlSeconds, now()) * 1000, heldUntil: now() + ttlSeconds * 1000 });
    },
    async delete(key) {
      map.delete(key);
    },
  };
}
