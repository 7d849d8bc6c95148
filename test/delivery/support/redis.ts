import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { redisUrl } from '../../support/redis.js';
import { hashTagged } from '../../../src/keys.js';

/** Database 2 belongs to delivery; it is shared by this folder's files running in parallel, so each test gets
 * its own key prefix and removes only its own keys instead of flushing the database. */
export const DELIVERY_DB = 2;

export interface TestRedis {
  redis: Redis;
  prefix: string;
  /** Keys under the prefix (for the TTL check). */
  keys(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function testRedis(): Promise<TestRedis> {
  const redis = new Redis(redisUrl(DELIVERY_DB), { maxRetriesPerRequest: null });
  const prefix = `test-delivery:${randomUUID()}`;
  const keys = () => redis.keys(`${hashTagged(prefix)}:*`);
  const cleanup = async () => {
    const all = await keys();
    if (all.length > 0) await redis.del(...all);
    redis.disconnect();
  };
  return { redis, prefix, keys, cleanup };
}
