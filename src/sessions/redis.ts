import type { RedisClient } from '../redis/connect.js';
import { decodeStored, encodeState } from './codec.js';
import { encodeForSave } from './check.js';
import { Script } from '../redis-script.js';
import { SEEN_TTL_SECONDS, type Claim, type Outbox, type SaveResult, type Saying, type SessionStore, type Stored } from './store.js';
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
 * - `<prefix>:{<key>}:out` — list, the outbox: what saved turns say, until said; pushed by the save's script, TTL
 *   of the conversation. `<prefix>:{<key>}:out:lease` — the sender holding it (milliseconds TTL).
 * - `<prefix>:{outbox}:pending` — sorted set of conversation keys whose outbox got an entry, scored by when; written
 *   just before the save (another slot), dropped by the sweep once found empty; TTL a day past its last write.
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

  async save(key: string, state: S, expectedRev: number, ttlSeconds: number, saying?: Saying): Promise<SaveResult> {
    const payload = encodeState(encodeForSave(state, expectedRev, ttlSeconds), this.#deflate);
    if (saying === undefined) {
      return (await SAVE.run(this.#redis, [this.#key(key, 'conv')], [expectedRev, payload, ttlSeconds])) === 1 ? 'ok' : 'conflict';
    }
    // Indexed first (sent first; on one server over the same connection, so it lands first): a crash after the
    // save leaves an entry a sweep will find; a crash before it, an index entry that points at nothing.
    const [, saved] = await Promise.all([
      INDEX.run(this.#redis, [this.#keys.outboxIndex], [Date.now(), key, INDEX_TTL_SECONDS]),
      SAVE.run(this.#redis, [this.#key(key, 'conv'), ...this.#outKeys(key)], [expectedRev, payload, ttlSeconds, saying.entry, ...(saying.lease ? [saying.lease.owner, saying.lease.ms] : [])]),
    ]);
    if (Array.isArray(saved)) saying.taken = saved.slice(1) as string[];
    return saved === 0 ? 'conflict' : 'ok';
  }

  readonly outbox: Outbox = {
    take: async (key, owner, leaseMs) => {
      const items = (await TAKE.run(this.#redis, this.#outKeys(key), [owner, leaseMs])) as string[] | null;
      return items ?? undefined;
    },
    sent: async (key, owner, count, leaseMs) => Number(await SENT.run(this.#redis, this.#outKeys(key), [owner, count, leaseMs])),
    pending: async (olderThanMs, limit) => {
      const flat = await this.#redis.zrangebyscore(this.#keys.outboxIndex, '-inf', Date.now() - olderThanMs, 'WITHSCORES', 'LIMIT', 0, limit);
      const found: Array<{ key: string; since: number }> = [];
      for (let i = 0; i < flat.length; i += 2) found.push({ key: flat[i]!, since: Number(flat[i + 1]) });
      return found;
    },
    settle: async (key, since) => {
      await SETTLE.run(this.#redis, [this.#keys.outboxIndex], [key, since]);
    },
  };

  async seen(key: string, updateId: string): Promise<boolean> {
    const [first] = (await CLAIM.run(this.#redis, this.#claimKeys(key), [SEEN_TTL_SECONDS, updateId, 0])) as [number];
    return first === 1;
  }

  async claim(key: string, updateId: string): Promise<Claim<S>> {
    const [first, value] = (await CLAIM.runBuffer(this.#redis, this.#claimKeys(key), [SEEN_TTL_SECONDS, updateId, 1])) as [number, Buffer | null];
    return { first: first === 1, stored: value ? decodeStored<S>(value) : undefined };
  }

  async delete(key: string): Promise<void> {
    await this.#redis.del(this.#key(key, 'conv'), this.#key(key, 'ids'), ...this.#outKeys(key));
  }

  #outKeys(key: string): string[] {
    return [this.#key(key, 'out'), this.#key(key, 'out:lease')];
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

/**
 * Lua: leases outbox `out` (lease key `held`) to `owner` for `ms` unless another owner holds it (false then), and
 * returns its entries; an empty outbox is left unleased. The one lease rule of a save and of a sender's look.
 */
const LEASE = `
local function lease(out, held, owner, ms)
  local holder = redis.call('GET', held)
  if holder and holder ~= owner then return false end
  local items = redis.call('LRANGE', out, 0, -1)
  if #items == 0 then redis.call('DEL', held) else redis.call('SET', held, owner, 'PX', ms) end
  return items
end`;

const LOAD = new Script(`${READ}
return read(KEYS[1])`);

/**
 * Compare-and-set on the revision, and the TTL, atomically: a missing key has revision 0. With ARGV[4], the turn's
 * outgoing messages join the outbox KEYS[2] in the same step; with ARGV[5] (owner) and ARGV[6] (ms) the outbox is
 * leased (KEYS[3]) to that owner unless another holds it, and then the reply is {1, every entry}.
 */
const SAVE = new Script(`${LEASE}
local rev = 0
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then rev = tonumber(string.match(redis.call('GETRANGE', KEYS[1], 0, 20), '^%d+'))
elseif kind == 'hash' then rev = tonumber(redis.call('HGET', KEYS[1], 'rev')) end
if rev ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], string.format('%d ', rev + 1) .. ARGV[2], 'EX', ARGV[3])
if ARGV[4] then
  redis.call('RPUSH', KEYS[2], ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  local taken = ARGV[5] and lease(KEYS[2], KEYS[3], ARGV[5], ARGV[6])
  if taken then
    table.insert(taken, 1, 1)
    return taken
  end
end
return 1`);

/** The shared index outlives its last write by a day; entries older than a conversation are dropped by the sweep. */
const INDEX_TTL_SECONDS = 24 * 3600;

/** Marks conversation ARGV[2] as having outgoing messages since ARGV[1]; pushes the index's TTL out (never in). */
const INDEX = new Script(`
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1`);

/** Leases outbox KEYS[1] to ARGV[1] for ARGV[2] ms (lease KEYS[2]) and returns its entries; false if leased to another. */
const TAKE = new Script(`${LEASE}
return lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2])`);

/** ARGV[1] said the oldest ARGV[2] entries: removed, lease renewed for ARGV[3] ms or released; how many are left (-1: not the holder). */
const SENT = new Script(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
if tonumber(ARGV[2]) > 0 then redis.call('LPOP', KEYS[1], ARGV[2]) end
local left = redis.call('LLEN', KEYS[1])
if left == 0 then redis.call('DEL', KEYS[2]) else redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return left`);

/** Drops ARGV[1] from the index unless a newer entry was added since ARGV[2]. */
const SETTLE = new Script(`
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
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
