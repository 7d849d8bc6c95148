import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCheckinStore } from '../../src/checkins/memory-store.js';
import { RedisCheckinStore } from '../../src/checkins/redis-store.js';
import { redisUrl } from '../support/redis.js';
import { scanKeys, keysWithoutTtl } from '../sessions/helpers.js';
import { checkinStoreContract, record } from './contract.js';

/*
 * Database 4 is shared by the files of test/checkins, which may run in parallel: nobody flushes it, every run
 * writes under its own prefix (here) or its own random ids, IPs and tokens (api.test.ts).
 */
const prefix = `t-${randomUUID()}`;
const connect = () => new Redis(redisUrl(4), { maxRetriesPerRequest: 1 });

checkinStoreContract('memory', async () => {
  let now = Date.now();
  const store = new MemoryCheckinStore({ now: () => now });
  return { replicas: [store, store], elapse: async (ms) => void (now += ms), close: async () => {} };
});

checkinStoreContract('redis (two connections)', async () => {
  const connections = [connect(), connect()] as const;
  return {
    replicas: [new RedisCheckinStore({ redis: connections[0], prefix }), new RedisCheckinStore({ redis: connections[1], prefix })],
    elapse: (ms) => sleep(ms),
    close: async () => void (await Promise.all(connections.map((c) => c.quit()))),
  };
});

describe('RedisCheckinStore', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = connect();
  });
  afterAll(() => redis.quit());

  it('gives every key a TTL and keeps no raw token: the token index key is the hash', async () => {
    const own = `${prefix}-ttl`;
    const store = new RedisCheckinStore({ redis, prefix: own });
    const r = record({ sealedToken: 'SEALED' });
    await store.create(r, 'tokenhash', 3600, 'idem');
    await store.setCurrent('tg:x', r.id, 3600);
    await store.bind(r.id, 'tg:x');
    await store.move(r.id, 'opened', 'now');
    const keys = await scanKeys(redis, `${own}:*`);
    expect(keys.sort()).toEqual([`${own}:chk:conv:{tg:x}`, `${own}:chk:idem:{idem}`, `${own}:chk:tok:{tokenhash}`, `${own}:chk:{${r.id}}`].sort());
    expect(await keysWithoutTtl(redis, keys)).toEqual([]);
    expect(await redis.ttl(`${own}:chk:{${r.id}}`)).toBeGreaterThan(3500);
  });
});
