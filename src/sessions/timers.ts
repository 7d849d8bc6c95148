import type { RedisClient } from '../redis/connect.js';
import { createLater } from '../later.js';
import { Script } from '../redis-script.js';
import { keysFor, NAMESPACE, TIMER_SHARDS } from '../keys.js';

/**
 * Reminders and expiry of conversations, independent of the engine: the runner plans them after a save
 * and cancels them on completion or `/wis`; the handler is told which timer fired, nothing more.
 *
 * Delivery is at least once (a replica that dies mid-handler has its timer fired again), and a timer that is already
 * running when it is cancelled or replanned still finishes: the handler must load the conversation and check
 * the timer still applies.
 */
export interface ConversationTimers {
  /** (Re)plans timers for a conversation: reminders at the given times, expiry at expireAt. Replaces earlier plans for that key. */
  plan(key: string, plan: TimerPlan): Promise<void>;
  /** Removes every pending timer of that conversation (on completion, on "/wis"). Returns how many were removed. */
  cancel(key: string): Promise<number>;
  close(): Promise<void>;
  /** Readiness: the timer worker of this process is running (always true without one). */
  running?(): boolean;
}

export interface TimerPlan {
  /** Epoch ms. */
  reminders: number[];
  /** Epoch ms. */
  expireAt: number;
}

export type TimerKind = 'reminder' | 'expire';
export type TimerHandler = (key: string, kind: TimerKind, index: number) => Promise<void>;

/** Reported when the handler gave up after every attempt, or the queue/worker fails. */
export type TimerErrorHandler = (err: Error) => void;

/** A throwing handler is tried this often in all, waiting 1 s, 2 s, 4 s in between. */
const ATTEMPTS = 4;
const BACKOFF_MS = 1000;

interface Timer {
  key: string;
  kind: TimerKind;
  index: number;
  at: number;
}

/** A plan's timers in the order they fall due. */
function timersOf(key: string, { reminders, expireAt }: TimerPlan): Timer[] {
  for (const at of [...reminders, expireAt]) if (!Number.isSafeInteger(at)) throw new RangeError(`timer times must be epoch ms, got ${at}`);
  const timers: Timer[] = [...reminders.map((at, index): Timer => ({ key, kind: 'reminder', index, at })), { key, kind: 'expire', index: 0, at: expireAt }];
  return timers.sort((a, b) => a.at - b.at);
}

const warn: TimerErrorHandler = (err) => process.emitWarning(err);

/**
 * Timers in Redis, lean: one sorted set and one hash for all conversations, ~200 B per conversation with timers
 * pending (two BullMQ delayed jobs and their id list took ~2.3 KB, bench/runner.ts).
 * Timers are spread over 16 shards by a hash of the conversation key (keys.ts); shard n has two keys:
 * - `<prefix>:{timers:n}:due` — sorted set, member = conversation key, score = when its next timer is due (epoch ms).
 * - `<prefix>:{timers:n}:plans` — hash, field = conversation key, value = `<attempts> <kind><index>@<at> …`: its
 *   timers in the order they fall due; only the first is in `due`, the next one is put there once it has fired.
 * Both are shared, so neither can expire with one conversation: every plan pushes their TTL out to its last
 * timer + 1 day (never shortens it), and Redis drops both once the last timer has fired or been cancelled.
 *
 * Every replica may plan and cancel; replicas given a `handler` also poll. A poll is one script per shard that takes
 * the due timers and leases them (moves their score `leaseMs` ahead), so each fires in one replica; the handler's
 * success removes the timer and schedules the conversation's next one. A throwing handler is retried after a
 * backoff, a replica that dies mid-handler loses its lease and another one fires the timer again (at least once);
 * a timer whose handler gave up `ATTEMPTS` times is dropped and reported to `onError`. A timer replanned or
 * cancelled while its handler runs is left alone when the handler ends: the plan's first timer (kind, index and
 * due time) must still be the one that fired.
 *
 * The connection is shared, not closed by `close()`. The hash tag `{timers:n}` keeps a shard's two keys in one Redis
 * Cluster slot, so the scripts can use both, and the shards spread the schedule over the cluster.
 */
export function createRedisTimers(opts: {
  connection: RedisClient;
  prefix?: string;
  /** Set → this process polls for due timers and runs them. */
  handler?: TimerHandler;
  onError?: TimerErrorHandler;
  /** Longest wait between two polls; a timer planned by this process wakes it earlier. */
  pollMs?: number;
  /** A claimed timer whose handler has not finished within this is fired again, by any replica. */
  leaseMs?: number;
}): ConversationTimers {
  const { connection, prefix = NAMESPACE, handler, onError = warn, pollMs = POLL_MS, leaseMs = LEASE_MS } = opts;
  // Spread over TIMER_SHARDS slots (keys.ts): each script touches one shard's two keys.
  const names = keysFor(prefix);
  const shardKeys = Array.from({ length: TIMER_SHARDS }, (_, shard) => Object.values(names.timers(shard)));
  const keysOf = (key: string) => shardKeys[names.timerShard(key)]!;
  let firstShard = 0;
  const running = new Set<Promise<void>>();
  let polling: Promise<void> | undefined;
  let wake: { at: number; timeout: NodeJS.Timeout } | undefined;
  let closed = false;

  /** Polls at `at` (epoch ms), or in `pollMs` if that is sooner, unless a poll is already due sooner still. */
  function pollAt(requested: number): void {
    const at = Math.min(requested, Date.now() + pollMs);
    if (!handler || closed || (wake && wake.at <= at)) return;
    if (wake) clearTimeout(wake.timeout);
    const timeout = setTimeout(() => {
      wake = undefined;
      // One poll at a time: a wake-up during a poll runs right after it.
      const next = (polling ?? Promise.resolve()).then(poll);
      polling = next;
      void next.finally(() => {
        if (polling === next) polling = undefined;
      });
    }, Math.max(0, at - Date.now())).unref();
    wake = { at, timeout };
  }

  /**
   * Claims what is due in every shard (as much as there is room for, starting one shard further each time so none
   * waits behind another) and sleeps until the next timer is due, at most `pollMs`.
   */
  async function poll(): Promise<void> {
    let next = Infinity;
    try {
      firstShard = (firstShard + 1) % TIMER_SHARDS;
      for (let i = 0; i < TIMER_SHARDS; i++) {
        const room = CONCURRENCY - running.size;
        const shard = shardKeys[(firstShard + i) % TIMER_SHARDS]!;
        const [nextDue, ...claimed] = (await CLAIM.run(connection, shard, [Date.now(), leaseMs, Math.max(room, 0)])) as string[];
        if (nextDue) next = Math.min(next, Number(nextDue));
        for (let c = 0; c < claimed.length; c += 3) {
          const run = fire(claimed[c]!, claimed[c + 1]!, Number(claimed[c + 2])).finally(() => {
            running.delete(run);
            pollAt(Date.now()); // room again, and maybe the conversation's next timer: look now
          });
          running.add(run);
        }
      }
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
    pollAt(next);
  }

  /** Runs one leased timer; `head` is the plan entry it was claimed as (`r0@1733…`). */
  async function fire(key: string, head: string, attempts: number): Promise<void> {
    const [, kind, index] = /^([rx])(\d+)@/.exec(head) ?? [];
    try {
      if (attempts > ATTEMPTS) throw new Error(`timer ${head} was claimed ${attempts} times without finishing`);
      await handler!(key, kind === 'r' ? 'reminder' : 'expire', Number(index));
      await DONE.run(connection, keysOf(key), [key, head]);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (attempts >= ATTEMPTS) {
        onError(error);
        await DONE.run(connection, keysOf(key), [key, head]).catch(onError);
      } else {
        await RETRY.run(connection, keysOf(key), [key, head, Date.now() + BACKOFF_MS * 2 ** (attempts - 1)]).catch(onError);
      }
    }
  }

  pollAt(Date.now());

  return {
    async plan(key, plan) {
      const timers = timersOf(key, plan);
      const entries = timers.map((t) => `${t.kind === 'reminder' ? 'r' : 'x'}${t.index}@${t.at}`);
      const ttl = Math.max(1, Math.ceil((timers.at(-1)!.at - Date.now()) / 1000)) + MARGIN_SECONDS;
      await PLAN.run(connection, keysOf(key), [key, `0 ${entries.join(' ')}`, timers[0]!.at, ttl]);
      pollAt(timers[0]!.at);
    },
    async cancel(key) {
      return Number(await CANCEL.run(connection, keysOf(key), [key]));
    },
    async close() {
      closed = true;
      if (wake) clearTimeout(wake.timeout);
      await polling;
      await Promise.all(running);
    },
    // A poller is either waiting for its next wake-up or polling, until closed.
    running: () => !handler || (!closed && (wake !== undefined || polling !== undefined)),
  };
}

/** How many timers one replica runs at once, and how often it looks for due ones at most. */
const CONCURRENCY = 8;
const POLL_MS = 1000;
/** Default lease: a reminder's handler is one turn and one message sent, seconds at worst. */
const LEASE_MS = 60_000;
/** The shared keys outlive the last timer planned by this much (retries, leases). */
const MARGIN_SECONDS = 24 * 3600;

/** Lua: the plan's first entry and the rest, from `<attempts> <head> <rest…>`. */
const SPLIT = `
local function split(plan)
  return string.match(plan, '^(%d+) (%S+) ?(.*)$')
end`;

/** Replaces the conversation's plan, schedules its first timer, and pushes the TTL of both keys out (never in). */
const PLAN = new Script(`
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
for _, key in ipairs(KEYS) do
  if redis.call('TTL', key) < tonumber(ARGV[4]) then redis.call('EXPIRE', key, ARGV[4]) end
end
return 1`);

/** Removes the plan; returns how many timers it still had. */
const CANCEL = new Script(`
local plan = redis.call('HGET', KEYS[2], ARGV[1])
if not plan then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
local _, n = string.gsub(plan, '@', '')
return n`);

/**
 * Takes up to ARGV[3] timers due by ARGV[1], leases each for ARGV[2] ms and counts the attempt; returns when the
 * next timer is due (false: none), then key, head, attempts of each timer taken.
 */
const CLAIM = new Script(`${SPLIT}
local out = {}
for _, key in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local plan = redis.call('HGET', KEYS[2], key)
  if plan then
    local attempts, head, rest = split(plan)
    attempts = tonumber(attempts) + 1
    redis.call('HSET', KEYS[2], key, attempts .. ' ' .. head .. (rest == '' and '' or ' ' .. rest))
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), key)
    out[#out + 1] = key
    out[#out + 1] = head
    out[#out + 1] = attempts
  else
    redis.call('ZREM', KEYS[1], key)
  end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
table.insert(out, 1, first[2] or false)
return out`);

/** The timer ARGV[2] of ARGV[1] is done: schedule the next one, or forget the plan. Not if it was replanned meanwhile. */
const DONE = new Script(`${SPLIT}
local plan = redis.call('HGET', KEYS[2], ARGV[1])
if not plan then return 0 end
local _, head, rest = split(plan)
if head ~= ARGV[2] then return 0 end
if rest == '' then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], '0 ' .. rest)
  redis.call('ZADD', KEYS[1], string.match(rest, '^%S-@(%d+)'), ARGV[1])
end
return 1`);

/** The timer ARGV[2] of ARGV[1] failed: fire it again at ARGV[3]. Not if it was replanned meanwhile. */
const RETRY = new Script(`${SPLIT}
local plan = redis.call('HGET', KEYS[2], ARGV[1])
if not plan then return 0 end
local _, head = split(plan)
if head ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1`);

/**
 * The embedded default: timers in this process only (lost on restart, like the memory store), unref'd so they
 * never keep the process alive. Same retries as the Redis timers.
 */
export function createMemoryTimers(opts: { handler?: TimerHandler; onError?: TimerErrorHandler }): ConversationTimers {
  const { handler, onError = warn } = opts;
  const later = createLater({ attempts: ATTEMPTS, backoffMs: BACKOFF_MS, onGiveUp: (_key, err) => onError(err) });
  return {
    async plan(key, plan) {
      later.cancel(key);
      for (const t of timersOf(key, plan)) later.at(key, t.at, async () => handler?.(key, t.kind, t.index));
    },
    async cancel(key) {
      return later.cancel(key);
    },
    async close() {
      later.close();
    },
  };
}
