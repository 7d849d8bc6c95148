import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { encodeForSave } from './check.js';
import { SEEN_TTL_SECONDS, type SaveResult, type SessionStore, type Stored } from './store.js';

/**
 * Sessions in Redis, safe for several replicas, restarts and Redis Cluster.
 *
 * Keys (every one has a TTL; all of a conversation share the hash tag `{<key>}`, hence one Cluster slot):
 * - `<prefix>:{<key>}:conv` — hash `state` (JSON), `rev`; TTL set by every save.
 * - `<prefix>:{<key>}:seen:<updateId>` — `1`, written with `SET … NX EX 90000` (25 h, Telegram retries for 24 h).
 * - `<prefix>:{<key>}:keys` — set naming that conversation's `seen` keys, expiring with the newest of them.
 *   It lets `delete` (a respondent's `/wis`) remove everything in one atomic script instead of a `SCAN`, which
 *   walks the whole keyspace (every node on Cluster) and can miss a key written while it runs.
 *
 * `key` must already be a pseudonym (a keyed hash of the platform id, made by the caller): it appears in key
 * names, which show up in `MONITOR`, slow logs and backups. It must not contain `{` or `}`.
 *
 * Every operation is one round trip: `HMGET` for load, one Lua script (`EVALSHA`) for save, seen and delete.
 * The store does not own the connection; close it yourself.
 */
export interface RedisSessionStoreOptions {
  redis: Redis;
  /** First part of every key; defaults to `fb`. */
  prefix?: string;
}

export class RedisSessionStore<S = unknown> implements SessionStore<S> {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor({ redis, prefix = 'fb' }: RedisSessionStoreOptions) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async load(key: string): Promise<Stored<S> | undefined> {
    const [state, rev] = await this.#redis.hmget(this.#key(key, 'conv'), 'state', 'rev');
    if (state == null || rev == null) return undefined;
    return { state: JSON.parse(state) as S, rev: Number(rev) };
  }

  async save(key: string, state: S, expectedRev: number, ttlSeconds: number): Promise<SaveResult> {
    const json = encodeForSave(state, expectedRev, ttlSeconds);
    const saved = await SAVE.run(this.#redis, [this.#key(key, 'conv')], [expectedRev, json, ttlSeconds]);
    return saved === 1 ? 'ok' : 'conflict';
  }

  async seen(key: string, updateId: string): Promise<boolean> {
    const first = await SEEN.run(this.#redis, [this.#key(key, `seen:${updateId}`), this.#key(key, 'keys')], [SEEN_TTL_SECONDS]);
    return first === 1;
  }

  async delete(key: string): Promise<void> {
    await DELETE.run(this.#redis, [this.#key(key, 'conv'), this.#key(key, 'keys')], []);
  }

  #key(key: string, suffix: string): string {
    return `${this.#prefix}:{${key}}:${suffix}`;
  }
}

/** A Lua script sent by SHA1 (one round trip); the source is sent only when the server does not know it yet. */
class Script {
  readonly #sha: string;

  constructor(readonly source: string) {
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** Compare-and-set on `rev`, and the TTL, atomically: a missing hash has revision 0. */
const SAVE = new Script(`
local rev = tonumber(redis.call('HGET', KEYS[1], 'rev') or '0')
if rev ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'rev', rev + 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`);

/** SET NX EX decides; a first sighting is listed in the conversation's key set, which lives as long as it. */
const SEEN = new Script(`
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1`);

/** Every listed key shares the conversation's hash tag, so this stays within one Cluster slot. */
const DELETE = new Script(`
local keys = redis.call('SMEMBERS', KEYS[2])
for i = 1, #keys, 500 do redis.call('DEL', unpack(keys, i, math.min(i + 499, #keys))) end
return redis.call('DEL', KEYS[1], KEYS[2])`);
