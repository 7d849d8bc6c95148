import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRateLimiter, type RateLimiter } from '../../src/checkins/rate-limit.js';
import { keysWithoutTtl, scanKeys } from '../sessions/helpers.js';
import { redisUrl } from '../support/redis.js';

/** The fixed-window limiter behaves the same in Redis (database 4, own prefix) and in memory. */
const redis = new Redis(redisUrl(4), { maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());

let clock = 0;
const prefix = `t-${randomUUID()}`;
const subjects: Array<[string, RateLimiter, (ms: number) => Promise<void>]> = [
  ['memory', createRateLimiter({ now: () => clock }), async (ms) => void (clock += ms)],
  ['redis', createRateLimiter({ redis, prefix }), (ms) => sleep(ms)],
];

describe.each(subjects)('rate limiter: %s', (_name, limiter, elapse) => {
  // Two seconds: a slow machine still makes the first eight calls within one window.
  const rule = { limit: 2, windowSeconds: 2 };

  it('allows `limit` hits per window, tells how long until it reopens, and looking does not count', async () => {
    const id = randomUUID();
    expect(await limiter.check('b', id, rule)).toEqual({ ok: true, retryAfterSeconds: 0 });
    expect((await limiter.hit('b', id, rule)).ok).toBe(true);
    expect((await limiter.check('b', id, rule)).ok).toBe(true);
    expect((await limiter.hit('b', id, rule)).ok).toBe(true);
    expect((await limiter.check('b', id, rule)).ok).toBe(false);
    const over = await limiter.hit('b', id, rule);
    expect(over.ok).toBe(false);
    expect([1, 2]).toContain(over.retryAfterSeconds);
    expect((await limiter.hit('other-bucket', id, rule)).ok).toBe(true);
    expect((await limiter.hit('b', randomUUID(), rule)).ok).toBe(true);
    await elapse(2100);
    expect((await limiter.hit('b', id, rule)).ok).toBe(true);
  });
});

it('redis counters: every key has a TTL and no key names the identifier', async () => {
  const limiter = createRateLimiter({ redis, prefix: `${prefix}-keys` });
  await limiter.hit('api-ip', '203.0.113.7', { limit: 5, windowSeconds: 60 });
  await limiter.check('api-ip', '203.0.113.8', { limit: 5, windowSeconds: 60 });
  const keys = await scanKeys(redis, `${prefix}-keys:*`);
  expect(keys).toHaveLength(1);
  expect(keys[0]).not.toContain('203.0.113');
  expect(await keysWithoutTtl(redis, keys)).toEqual([]);
});
