import type { RedisClient } from '../redis/connect.js';
import type { CheckinStatus } from './port.js';
import { keysFor, NAMESPACE, type Keys } from '../keys.js';
import { Script } from '../redis-script.js';
import { movableFrom, STATUS_RANK, type BindOutcome, type CheckinRecord, type CheckinStore } from './store.js';

/**
 * Check-ins in Redis, safe for several replicas and Redis Cluster (every script touches one key; key names in keys.ts).
 *
 * Keys (all with a TTL; `ttlSeconds` is the check-in's expiry plus a grace period, chosen by the service):
 * - `fb:chk:{<id>}` — hash of the record; `history` is kept as `at:<status>` fields so a move is one `HSET`.
 * - `fb:chk:tok:{<sha256 of token>}` — the check-in id. Only the hash is a key: a dump holds no usable link.
 * - `fb:chk:idem:{<client-scoped key hash>}` — the id of the first check-in made with that idempotency key.
 * - `fb:chk:conv:{<conversation key>}` — the check-in that conversation is on.
 *
 * `bind` and `move` are Lua scripts on the record's hash, so two people racing on one token, or two replicas
 * moving one status, cannot both win. `create` writes the record and its token index first and claims the
 * idempotency key last (`SET NX`): a loser deletes what it wrote and returns the winner's record, which exists.
 */
export class RedisCheckinStore implements CheckinStore {
  readonly #redis: RedisClient;
  readonly #keys: Keys;

  constructor({ redis, prefix = NAMESPACE }: { redis: RedisClient; prefix?: string }) {
    this.#redis = redis;
    this.#keys = keysFor(prefix);
  }

  async create(record: CheckinRecord, tokenHash: string, ttlSeconds: number, idempotency?: string) {
    const claim = idempotency === undefined ? undefined : this.#key('idem', idempotency);
    if (claim) {
      const first = await this.#claimed(claim);
      if (first) return { record: first, created: false };
    }
    const hash = this.#key(undefined, record.id);
    const token = this.#key('tok', tokenHash);
    // The record, then its index: two slots on Cluster, so two steps; a crash between leaves a record nobody can find.
    await exec(this.#redis.pipeline().hset(hash, toHash(record)).expire(hash, ttlSeconds));
    await this.#redis.set(token, record.id, 'EX', ttlSeconds);
    if (claim && (await this.#redis.set(claim, record.id, 'EX', ttlSeconds, 'NX')) === null) {
      await Promise.all([this.#redis.del(hash), this.#redis.del(token)]);
      const first = await this.#claimed(claim);
      if (!first) throw new Error('idempotency claim vanished during a race');
      return { record: first, created: false };
    }
    return { record, created: true };
  }

  async get(id: string): Promise<CheckinRecord | undefined> {
    const fields = await this.#redis.hgetall(this.#key(undefined, id));
    return fields.id ? fromHash(fields) : undefined;
  }

  async idByToken(tokenHash: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key('tok', tokenHash))) ?? undefined;
  }

  async bind(id: string, conversationKey: string): Promise<BindOutcome | undefined> {
    const outcome = (await BIND.run(this.#redis, [this.#key(undefined, id)], [conversationKey])) as string;
    return outcome === '' ? undefined : (outcome as BindOutcome);
  }

  async move(id: string, to: CheckinStatus, at: string): Promise<boolean> {
    return (await MOVE.run(this.#redis, [this.#key(undefined, id)], [to, at, ...movableFrom(to)])) === 1;
  }

  async setCurrent(conversationKey: string, id: string, ttlSeconds: number): Promise<void> {
    await this.#redis.set(this.#key('conv', conversationKey), id, 'EX', ttlSeconds);
  }

  async current(conversationKey: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key('conv', conversationKey))) ?? undefined;
  }

  async clearCurrent(conversationKey: string): Promise<void> {
    await this.#redis.del(this.#key('conv', conversationKey));
  }

  async #claimed(claim: string): Promise<CheckinRecord | undefined> {
    const id = await this.#redis.get(claim);
    return id ? this.get(id) : undefined;
  }

  #key(kind: 'tok' | 'idem' | 'conv' | undefined, id: string): string {
    return kind ? this.#keys.checkinIndex(kind, id) : this.#keys.checkin(id);
  }
}

async function exec(pipeline: ReturnType<RedisClient['pipeline']>): Promise<void> {
  for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
}

const SCALARS = ['id', 'flow', 'caseRef', 'teamRef', 'role', 'ageBand', 'workerFirstName', 'locale', 'status', 'sealedToken', 'createdAt',
  'expiresAt', 'boundTo', 'respondentRef', 'sendAt', 'delivery', 'fingerprint'] as const satisfies readonly (keyof CheckinRecord)[];

/** Flat hash fields; a null is an absent field, so `HSETNX`-style checks in Lua see "not set". */
function toHash(record: CheckinRecord): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const k of SCALARS) if (record[k] !== null) fields[k] = record[k];
  for (const [status, at] of Object.entries(record.history)) fields[`at:${status}`] = at;
  return fields;
}

function fromHash(fields: Record<string, string>): CheckinRecord {
  const value = (k: (typeof SCALARS)[number]) => fields[k] ?? null;
  const history: CheckinRecord['history'] = {};
  for (const status of Object.keys(STATUS_RANK) as CheckinStatus[]) if (fields[`at:${status}`]) history[status] = fields[`at:${status}`];
  return { ...(Object.fromEntries(SCALARS.map((k) => [k, value(k)])) as unknown as CheckinRecord), history };
}

/** '' when the check-in is gone; otherwise the first conversation to ask keeps it. */
const BIND = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return '' end
local bound = redis.call('HGET', KEYS[1], 'boundTo')
if not bound then
  redis.call('HSET', KEYS[1], 'boundTo', ARGV[1])
  return 'bound'
end
if bound == ARGV[1] then return 'again' end
return 'other'`);

/** ARGV: to, at, then every status it may move from (computed from STATUS_RANK, the one source of the order). */
const MOVE = new Script(`
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return 0 end
for i = 3, #ARGV do
  if ARGV[i] == cur then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'at:' .. ARGV[1], ARGV[2])
    return 1
  end
end
return 0`);
