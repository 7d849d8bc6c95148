import type { RedisClient } from '../redis/connect.js';
import { decodeStored, encodeState } from './codec.js';
import { encodeForSave } from './check.js';
import { Script } from '../redis-script.js';
import { SEEN_TTL_SECONDS, type Claim, type SaveResult, type SessionStore, type Stored } from './store.js';
import { keysFor, NAMESPACE, type Keys } from '../keys.js';

/**
 * Sessions in Redis, safe for several replicas, restarts and Redis Cluster.
 *
 * Keys (every one has a TTL; both share the hash tag `{<key>}`, hence one Cluster slot and one script):
 * - `<prefix>:{<key>}:conv` — string `<rev> <payload>`, the state deflated or JSON (see codec.ts); TTL set by every save.
 *   A hash `state`/`rev` left by the first layout is still read, and replaced by the string at its next save.
 * - `<prefix>:{<key>}:ids` — sorted set of the update ids seen, scored by the Redis server's clock (seconds).
 *   Every claim drops the ids older than 25 h (Telegram retries for 24 h) and sets the key's TTL to 25 h. One small
 *   set (Redis keeps it as a listpack) costs ~250 B for 10 ids, where a key per id cost ~1.6 KB; and `delete` (a
 *   respondent's `/wis`) removes it with the state in one `DEL`, no `SCAN` over the keyspace.
 *
 * `key` must already be a pseudonym (a keyed hash of the platform id, made by the caller): it appears in key
 * names, which show up in `MONITOR`, slow logs and backups. It must not contain `{` or `}`.
 *
 * Every operation is one round trip: a Lua script (`EVALSHA`) for load, save, seen and claim, a `DEL` for delete.
 * (Keys of the first layout's update ids, `:seen` and `:seen:<id>`, are not deleted here; they expire within 25 h.)
 * The store does not own the connection; close it yourself.
 */
export interface RedisSessionStoreOptions {
  redis: RedisClient;
  /** First part of every key; defaults to `fb`. */
  prefix?: string;
  /**
   * Deflate states (default): ~3× less memory per conversation for ~35 µs of CPU per turn (see codec.ts). Off,
   * states are written as plain JSON; either way both kinds are read.
   */
  deflate?: boolean;
}

export class RedisSessionStore<S = unknown> implements SessionStore<S> {
  readonly #redis: RedisClient;
  readonly #keys: Keys;
  readonly #deflate: boolean;

  constructor({ redis, prefix = NAMESPACE, deflate = true }: RedisSessionStoreOptions) {
    this.#redis = redis;
    this.#keys = keysFor(prefix);
    this.#deflate = deflate;
  }

  async load(key: string): Promise<Stored<S> | undefined> {
    const value = await LOAD.runBuffer(this.#redis, [this.#key(key, 'conv')], []);
    return value ? decodeStored<S>(value as Buffer) : undefined;
  }

  async save(key: string, state: S, expectedRev: number, ttlSeconds: number): Promise<SaveResult> {
    const payload = encodeState(encodeForSave(state, expectedRev, ttlSeconds), this.#deflate);
    const saved = await SAVE.run(this.#redis, [this.#key(key, 'conv')], [expectedRev, payload, ttlSeconds]);
    return saved === 1 ? 'ok' : 'conflict';
  }

  async seen(key: string, updateId: string): Promise<boolean> {
    const [first] = (await CLAIM.run(this.#redis, this.#claimKeys(key), [SEEN_TTL_SECONDS, updateId, 0])) as [number];
    return first === 1;
  }

  async claim(key: string, updateId: string): Promise<Claim<S>> {
    const [first, value] = (await CLAIM.runBuffer(this.#redis, this.#claimKeys(key), [SEEN_TTL_SECONDS, updateId, 1])) as [number, Buffer | null];
    return { first: first === 1, stored: value ? decodeStored<S>(value) : undefined };
  }

  async delete(key: string): Promise<void> {
    await this.#redis.del(this.#key(key, 'conv'), this.#key(key, 'ids'));
  }

  #claimKeys(key: string): string[] {
    return [this.#key(key, 'ids'), this.#key(key, 'conv')];
  }

  #key(key: string, suffix: string): string {
    return this.#keys.conversation(key, suffix);
  }
}

/** Lua: the stored `<rev> <payload>` of KEYS[1], the first layout's hash handed over as `<rev> j<json>`, or false. */
const READ = `
local function read(key)
  if redis.call('TYPE', key).ok == 'hash' then
    local v = redis.call('HMGET', key, 'rev', 'state')
    return v[1] .. ' j' .. v[2]
  end
  return redis.call('GET', key)
end`;

const LOAD = new Script(`${READ}
return read(KEYS[1])`);

/** Compare-and-set on the revision, and the TTL, atomically: a missing key has revision 0. */
const SAVE = new Script(`
local rev = 0
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then rev = tonumber(string.match(redis.call('GETRANGE', KEYS[1], 0, 20), '^%d+'))
elseif kind == 'hash' then rev = tonumber(redis.call('HGET', KEYS[1], 'rev')) end
if rev ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], string.format('%d ', rev + 1) .. ARGV[2], 'EX', ARGV[3])
return 1`);

/**
 * Claims update id ARGV[2] in the set KEYS[1] (scored by the server's clock, so replicas' clocks do not matter),
 * forgetting ids older than ARGV[1] seconds, and with ARGV[3] = 1 also returns the conversation KEYS[2].
 */
const CLAIM = new Script(`${READ}
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
local first = redis.call('ZADD', KEYS[1], 'NX', now, ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[1])
if ARGV[3] == '1' then return {first, read(KEYS[2])} end
return {first}`);
