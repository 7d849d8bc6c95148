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
 * - `<prefix>:{<key>}:seen` — list of the update ids seen, expiring with the newest of their keys. It lets
 *   `delete` (a respondent's `/wis`) remove everything in one atomic script instead of a `SCAN`, which walks the
 *   whole keyspace (every node on Cluster) and can miss a key written while it runs. A list of bare ids rather
 *   than a set of key names: Redis 7.0 stores a small list compactly, a set of strings as a hash table (1.3 KB
 *   for 8 key names against 0.3 KB, see bench/sessions.ts).
 *
 * `key` must already be a pseudonym (a keyed hash of the platform id, made by the caller): it appears in key
 * names, which show up in `MONITOR`, slow logs and backups. It must not contain `{` or `}`. The connection must
 * not use ioredis' `keyPrefix` (the delete script builds key names itself; BullMQ refuses it too).
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
    const first = await SEEN.run(this.#redis, [this.#key(key, `seen:${updateId}`), this.#key(key, 'seen')], [SEEN_TTL_SECONDS, updateId]);
    return first === 1;
  }

  async delete(key: string): Promise<void> {
    await DELETE.run(this.#redis, [this.#key(key, 'conv'), this.#key(key, 'seen')], [this.#key(key, 'seen:')]);
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

/** SET NX EX decides; a first sighting is listed, and the list lives as long as its newest key. */
const SEEN = new Script(`
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1`);

/** The seen keys are ARGV[1] .. id; they share the conversation's hash tag, so this stays in one Cluster slot. */
const DELETE = new Script(`
local ids = redis.call('LRANGE', KEYS[2], 0, -1)
for i = 1, #ids, 500 do
  local keys = {}
  for j = i, math.min(i + 499, #ids) do keys[#keys + 1] = ARGV[1] .. ids[j] end
  redis.call('DEL', unpack(keys))
end
return redis.call('DEL', KEYS[1], KEYS[2])`);
