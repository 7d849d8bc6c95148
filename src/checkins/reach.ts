import type { RedisClient } from '../redis/connect.js';
import { keysFor, NAMESPACE } from '../keys.js';

/**
 * How to reach a respondent who agreed to follow-ups, kept under the caller's opaque `respondentRef` (as a keyed
 * hash, never in clear) for the case they agreed for. It holds only the pseudonymised conversation key and the
 * channel: the platform address stays in the channel's own record, which consent keeps alive as long.
 *
 * Redis: `fb:reach:{<ref hash>}` → JSON, and `fb:{<conversation key>}:reach` → set of ref hashes (so `/wis` finds
 * them from the conversation); both expire after the operator's `FOLLOWUP_TTL_DAYS`.
 */
export interface Reach {
  conversationKey: string;
  /** The respondent's pseudonym on that channel, as the invite redemption would give it. */
  pseudonym: string;
  channel: string;
  /** Consent is for this case only. */
  caseRef: string;
  at: string;
}

export interface ReachStore {
  put(refHash: string, reach: Reach, ttlSeconds: number): Promise<void>;
  get(refHash: string): Promise<Reach | undefined>;
  /** Consent withdrawn for one reference ("no" at a later check-in). */
  drop(refHash: string): Promise<void>;
  /** `/wis`: everything that points to this conversation. */
  forget(conversationKey: string): Promise<void>;
}

export function redisReachStore(redis: RedisClient, ns = NAMESPACE): ReachStore {
  const keys = keysFor(ns);
  const refKey = (hash: string) => keys.reach(hash);
  const convKey = (key: string) => keys.conversation(key, 'reach');
  const get = async (hash: string) => {
    const raw = await redis.get(refKey(hash));
    return raw ? (JSON.parse(raw) as Reach) : undefined;
  };
  return {
    async put(hash, reach, ttl) {
      const previous = await get(hash);
      if (previous && previous.conversationKey !== reach.conversationKey) await redis.srem(convKey(previous.conversationKey), hash);
      await redis.set(refKey(hash), JSON.stringify(reach), 'EX', ttl);
      await redis.multi().sadd(convKey(reach.conversationKey), hash).expire(convKey(reach.conversationKey), ttl).exec();
    },
    get,
    async drop(hash) {
      const reach = await get(hash);
      if (!reach) return;
      await redis.del(refKey(hash));
      await redis.srem(convKey(reach.conversationKey), hash);
    },
    async forget(key) {
      const hashes = await redis.smembers(convKey(key));
      for (const hash of hashes) if ((await get(hash))?.conversationKey === key) await redis.del(refKey(hash));
      await redis.del(convKey(key));
    },
  };
}

/** The embedded default: this process only; entries expire lazily on read. */
export function memoryReachStore(now: () => number = Date.now): ReachStore {
  const map = new Map<string, { reach: Reach; until: number }>();
  const get = async (hash: string) => {
    const e = map.get(hash);
    if (e && e.until > now()) return structuredClone(e.reach);
    map.delete(hash);
    return undefined;
  };
  return {
    async put(hash, reach, ttl) {
      map.set(hash, { reach: structuredClone(reach), until: now() + ttl * 1000 });
    },
    get,
    async drop(hash) {
      map.delete(hash);
    },
    async forget(key) {
      for (const [hash, e] of map) if (e.reach.conversationKey === key) map.delete(hash);
    },
  };
}
