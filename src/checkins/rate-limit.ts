import type { RedisClient } from '../redis/connect.js';
import { Script } from '../redis-script.js';
import { sha256 } from './token.js';
import { keysFor, NAMESPACE } from '../keys.js';

/**
 * Fixed-window counters: the first hit opens a window of `windowSeconds`, the counter dies with it. Used for the
 * check-in API (per client, per IP) and for invite redemption (failed attempts per conversation and per IP), and
 * exported for the channels. Identifiers are hashed into the key: IPs and conversation keys do not show up in
 * `MONITOR` or dumps. In Redis, INCR and PEXPIRE run in one script (one round trip, no counter without a TTL);
 * without Redis the counters live in this process.
 */
export interface Rule {
  limit: number;
  windowSeconds: number;
}

export interface Verdict {
  ok: boolean;
  /** Until the window closes; 0 when no window is open. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one hit; ok while the window holds at most `limit` hits. */
  hit(bucket: string, id: string, rule: Rule): Promise<Verdict>;
  /** Without counting: ok while another hit would still be within `limit`. */
  check(bucket: string, id: string, rule: Rule): Promise<Verdict>;
}

export interface RateLimiterOptions {
  redis?: RedisClient;
  prefix?: string;
  /** Epoch ms, for the memory counters. */
  now?: () => number;
}

type Count = (key: string, windowMs: number, add: 0 | 1) => Promise<{ count: number; ttlMs: number }>;

export function createRateLimiter({ redis, prefix = NAMESPACE, now = Date.now }: RateLimiterOptions = {}): RateLimiter {
  const keys = keysFor(prefix);
  const count = redis ? redisCounter(redis) : memoryCounter(now);
  const run = async (bucket: string, id: string, rule: Rule, add: 0 | 1): Promise<Verdict> => {
    const { count: n, ttlMs } = await count(keys.rate(bucket, sha256(id).slice(0, 22)), rule.windowSeconds * 1000, add);
    return { ok: add ? n <= rule.limit : n < rule.limit, retryAfterSeconds: Math.max(0, Math.ceil(ttlMs / 1000)) };
  };
  return { hit: (b, id, rule) => run(b, id, rule, 1), check: (b, id, rule) => run(b, id, rule, 0) };
}

function redisCounter(redis: RedisClient): Count {
  return async (key, windowMs, add) => {
    const [count, ttlMs] = (await COUNT.run(redis, [key], [windowMs, add])) as [number, number];
    return { count, ttlMs };
  };
}

function memoryCounter(now: () => number): Count {
  const windows = new Map<string, { count: number; endsAt: number }>();
  return async (key, windowMs, add) => {
    const t = now();
    if (windows.size > 10_000) for (const [k, w] of windows) if (w.endsAt <= t) windows.delete(k);
    let w = windows.get(key);
    if (!w || w.endsAt <= t) {
      if (!add) return { count: 0, ttlMs: 0 };
      w = { count: 0, endsAt: t + windowMs };
      windows.set(key, w);
    }
    w.count += add;
    return { count: w.count, ttlMs: w.endsAt - t };
  };
}

/** ARGV: window in ms, 1 to count a hit or 0 to look. Returns { count, ms left in the window }. */
const COUNT = new Script(`
local n
if ARGV[2] == '1' then
  n = redis.call('INCR', KEYS[1])
  if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
else
  n = tonumber(redis.call('GET', KEYS[1]) or '0')
end
return { n, math.max(redis.call('PTTL', KEYS[1]), 0) }`);
