import type { RedisClient } from '../../redis/connect.js';
import { keysFor, NAMESPACE } from '../../keys.js';
import { Script } from '../../redis-script.js';

/**
 * What a channel keeps per conversation beside the engine's state, in two parts with their own lifetimes:
 * - the record: the platform address needed to write (a chat id, a phone number), the language, flags. Consent to
 *   follow-ups may keep it for months (`keepUntil`); it never holds answers.
 * - its `short` field (the last question, messages held back): it may quote answers, so it lives for the
 *   conversation's time only.
 * Redis: `<prefix>:{<key>}:<name>` and `<prefix>:{<key>}:<name>:<short>`, JSON, under the conversation's hash tag
 * (one Cluster slot, so one script writes both), TTLs refreshed on every write. Without Redis: a map in this
 * process with the same TTLs, read lazily and swept every thousand writes. `/wis` deletes both.
 */
export interface Records<T> {
  get(key: string): Promise<T | undefined>;
  put(key: string, record: T): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface RecordOptions<T> {
  redis?: RedisClient;
  /** The key's last part (`tg`, `wa`). */
  name: string;
  /** The field kept apart, for the conversation's time only. */
  short: keyof T & string;
  /** The conversation's time: how long both parts live after a write unless consent keeps the record longer. */
  ttlSeconds: number;
  prefix?: string;
  now?: () => number;
}

type Kept = { keepUntil?: number };

/** Seconds the record lives after a write: the conversation's time, or longer while consent keeps it. */
const ttlOf = (record: Kept, ttlSeconds: number, nowMs: number) => Math.max(ttlSeconds, Math.ceil((record.keepUntil ?? 0) - nowMs / 1000));
/** Nothing to keep: the short part's key is deleted. */
const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);

export function conversationRecords<T extends Kept>(opts: RecordOptions<T>): Records<T> {
  return opts.redis ? redisRecords(opts.redis, opts) : memoryRecords(opts);
}

function redisRecords<T extends Kept>(redis: RedisClient, { name, short, ttlSeconds, prefix = NAMESPACE }: RecordOptions<T>): Records<T> {
  const keys = keysFor(prefix);
  const main = (key: string) => keys.conversation(key, name);
  const apart = (key: string) => `${main(key)}:${short}`;
  return {
    async get(key) {
      const [raw, part] = await redis.mget(main(key), apart(key));
      if (!raw) return undefined;
      const record = JSON.parse(raw) as T;
      return part ? { ...record, [short]: JSON.parse(part) } : record;
    },
    async put(key, record) {
      const { [short]: part, ...rest } = record;
      await PUT.run(redis, [main(key), apart(key)], [JSON.stringify(rest), ttlOf(rest, ttlSeconds, Date.now()), empty(part) ? '' : JSON.stringify(part), ttlSeconds]);
    },
    async delete(key) {
      await redis.del(main(key), apart(key));
    },
  };
}

/**
 * Both parts in one step (one slot): a script, not MULTI, because ioredis builds a pipeline object per MULTI, which
 * cost ~3% of the bot's CPU under load (profiled); an empty short part deletes its key.
 */
const PUT = new Script(`
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if ARGV[3] == '' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4]) end
return 1`);

function memoryRecords<T extends Kept>({ short, ttlSeconds, now = Date.now }: RecordOptions<T>): Records<T> {
  const map = new Map<string, { record: T; until: number; shortUntil: number }>();
  let writes = 0;
  return {
    async get(key) {
      const e = map.get(key);
      if (!e || e.until <= now()) {
        map.delete(key);
        return undefined;
      }
      const { [short]: part, ...rest } = structuredClone(e.record);
      return (empty(part) || e.shortUntil <= now() ? rest : { ...rest, [short]: part }) as T;
    },
    async put(key, record) {
      if (++writes % 1000 === 0) for (const [k, e] of map) if (e.until <= now()) map.delete(k);
      map.set(key, { record: structuredClone(record), until: now() + ttlOf(record, ttlSeconds, now()) * 1000, shortUntil: now() + ttlSeconds * 1000 });
    },
    async delete(key) {
      map.delete(key);
    },
  };
}

/** The longest a conversation can live (the longest flow's lifetime) and a day: what a record must outlast. */
export const conversationSeconds = (bank: { flows: Map<string, { lifetimeHours: number }> }): number =>
  Math.ceil(Math.max(...[...bank.flows.values()].map((f) => f.lifetimeHours)) * 3600 + 24 * 3600);
