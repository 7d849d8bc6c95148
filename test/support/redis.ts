import { Redis } from 'ioredis';

/**
 * Tests talk to a real Redis (`.ci/run` starts one when none answers). Each test file takes its own
 * logical database so files can run in parallel and flush without touching each other's keys.
 * Databases in use: 1 sessions, 2 delivery, 3 telegram, 4 check-ins, 5 teams, 6 web, 7 operations (log canary), 8 runner,
 * 9 operations (built server), 10 WhatsApp webhook, 11 operations (replicas),
 * 12 reach store, 13 follow-ups, 14 operations (fuzz), 15 WhatsApp.
 */
export const REDIS_BASE_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function redisUrl(db: number): string {
  const u = new URL(REDIS_BASE_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function freshRedis(db: number, opts: { maxRetriesPerRequest?: number | null } = {}): Promise<Redis> {
  const redis = new Redis(redisUrl(db), { maxRetriesPerRequest: opts.maxRetriesPerRequest ?? 1, lazyConnect: false });
  await redis.flushdb();
  return redis;
}
