import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../src/sessions/memory.js';
import { RedisSessionStore } from '../../src/sessions/redis.js';
import { SEEN_TTL_SECONDS } from '../../src/sessions/store.js';
import { redisUrl } from '../support/redis.js';
import { type Doc, newKey, sessionStoreContract } from './contract.js';
import { countCommands, keysWithoutTtl, scanKeys } from './helpers.js';

/*
 * Database 1 is shared by the files of test/sessions, which may run in parallel: nobody flushes it, every run
 * writes under its own prefix and the checks below scan that prefix only.
 */
const prefix = `t-${randomUUID()}`;

function connect(): Redis {
  return new Redis(redisUrl(1), { maxRetriesPerRequest: 1 });
}

sessionStoreContract('memory', async () => {
  let now = Date.now();
  const store = new MemorySessionStore<Doc>({ now: () => now });
  return {
    replicas: [store, store],
    elapse: async (ms) => void (now += ms),
    close: async () => store.close(),
  };
});

sessionStoreContract('redis (two connections)', async () => {
  const connections = [connect(), connect()] as const;
  return {
    replicas: [new RedisSessionStore<Doc>({ redis: connections[0], prefix }), new RedisSessionStore<Doc>({ redis: connections[1], prefix })],
    elapse: (ms) => sleep(ms),
    close: async () => void (await Promise.all(connections.map((c) => c.quit()))),
  };
});

sessionStoreContract('redis, states as plain JSON (deflate off)', async () => {
  const redis = connect();
  const store = new RedisSessionStore<Doc>({ redis, prefix, deflate: false });
  return { replicas: [store, store], elapse: (ms) => sleep(ms), close: async () => void (await redis.quit()) };
});

describe('MemorySessionStore', () => {
  it('remembers update ids for 25 hours, then forgets them', async () => {
    let now = 0;
    const store = new MemorySessionStore({ now: () => now });
    try {
      expect(await store.seen('k', 'u')).toBe(true);
      now += SEEN_TTL_SECONDS * 1000 - 1;
      expect(await store.seen('k', 'u')).toBe(false);
      now += 1;
      expect(await store.seen('k', 'u')).toBe(true);
    } finally {
      store.close();
    }
  });

  it('the sweep keeps what is live and drops only what has expired', async () => {
    let now = 0;
    const store = new MemorySessionStore<Doc>({ now: () => now });
    try {
      await store.save('short', { ids: [] }, 0, 1);
      await store.save('long', { ids: [] }, 0, 60);
      now += 2000;
      store.sweep();
      expect(await store.load('long')).toEqual({ state: { ids: [] }, rev: 1 });
      expect(await store.save('short', { ids: [] }, 0, 60)).toBe('ok');
    } finally {
      store.close();
    }
  });
});

describe('RedisSessionStore keys', () => {
  let redis: Redis;
  let store: RedisSessionStore<Doc>;

  beforeAll(() => {
    redis = connect();
    store = new RedisSessionStore<Doc>({ redis, prefix });
  });
  afterAll(async () => {
    const keys = await scanKeys(redis, `${prefix}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
    await redis.quit();
  });

  it('one string per conversation: the revision, then the state deflated', async () => {
    const key = newKey();
    const state = { ids: Array.from({ length: 40 }, (_, i) => `update-${i}`) };
    await store.save(key, state, 0, 60);
    const raw = (await redis.getBuffer(`${prefix}:{${key}}:conv`))!;
    expect(raw.subarray(0, 3).toString()).toBe('1 z');
    expect(raw.length).toBeLessThan(JSON.stringify(state).length / 2);
    expect(await store.load(key)).toEqual({ state, rev: 1 });
  });

  it('with deflate off, the state is plain JSON after the revision; either store reads what the other wrote', async () => {
    const key = newKey();
    const plain = new RedisSessionStore<Doc>({ redis, prefix, deflate: false });
    await plain.save(key, { ids: ['a'] }, 0, 60);
    expect(await redis.get(`${prefix}:{${key}}:conv`)).toBe('1 j{"ids":["a"]}');
    expect(await store.load(key)).toEqual({ state: { ids: ['a'] }, rev: 1 });
    await store.save(key, { ids: ['a', 'b'] }, 1, 60);
    expect(await plain.load(key)).toEqual({ state: { ids: ['a', 'b'] }, rev: 2 });
  });

  it('reads a state hash of the first layout, and replaces it by the string at the next save', async () => {
    const key = newKey();
    const conv = `${prefix}:{${key}}:conv`;
    await redis.hset(conv, 'state', '{"ids":["old"]}', 'rev', '4');
    await redis.expire(conv, 60);
    expect(await store.load(key)).toEqual({ state: { ids: ['old'] }, rev: 4 });
    expect(await store.claim(key, 'u')).toEqual({ first: true, stored: { state: { ids: ['old'] }, rev: 4 } });
    expect(await store.save(key, { ids: ['stale'] }, 3, 60)).toBe('conflict');
    expect(await store.save(key, { ids: ['old', 'new'] }, 4, 60)).toBe('ok');
    expect(await redis.type(conv)).toBe('string');
    expect(await store.load(key)).toEqual({ state: { ids: ['old', 'new'] }, rev: 5 });
  });

  it('one round trip per load, save, seen, claim and delete', async () => {
    const key = newKey();
    await store.save(key, { ids: [] }, 0, 60); // the scripts are now known to the server
    await store.claim(key, 'warm-up');
    await store.load(key);
    await store.delete(key);
    const counter = countCommands(redis);
    for (const op of [
      () => store.load(key),
      () => store.save(key, { ids: ['a'] }, 0, 60),
      () => store.seen(key, 'u'),
      () => store.claim(key, 'v'),
      () => store.delete(key),
    ]) {
      counter.reset();
      await op();
      expect(counter.count).toBe(1);
    }
  });

  it('update ids: one sorted set per conversation that lives 25 hours and drops ids older than that', async () => {
    const key = newKey();
    const ids = `${prefix}:{${key}}:ids`;
    const [serverNow] = await redis.time();
    await redis.zadd(ids, String(Number(serverNow) - SEEN_TTL_SECONDS - 1), 'ancient', String(Number(serverNow) - 3600), 'recent');
    expect(await store.seen(key, 'u')).toBe(true);
    expect(await redis.zrange(ids, '0', '-1')).toEqual(['recent', 'u']);
    expect(await redis.ttl(ids)).toBeGreaterThanOrEqual(SEEN_TTL_SECONDS - 1);
    expect(await store.seen(key, 'recent')).toBe(false);
    expect(await store.seen(key, 'ancient')).toBe(true);
  });

  it('after delete no key of the conversation is left in the database', async () => {
    const key = newKey();
    await store.save(key, { ids: ['a'] }, 0, 60);
    for (let i = 0; i < 5; i++) await store.seen(key, `u${i}`);
    expect(await scanKeys(redis, `*{${key}}*`)).toHaveLength(2);
    await store.delete(key);
    expect(await scanKeys(redis, `*${key}*`)).toEqual([]);
  });

  it('every key the store writes has a TTL', async () => {
    const keys = Array.from({ length: 5 }, newKey);
    for (const key of keys) {
      await store.save(key, { ids: [] }, 0, 60);
      await store.save(key, { ids: ['a'] }, 1, 120);
      await store.seen(key, 'u1');
      await store.seen(key, 'u1');
      await store.seen(key, 'u2');
    }
    await store.delete(keys[0]!);
    const written = await scanKeys(redis, `${prefix}:*`);
    expect(written.length).toBeGreaterThanOrEqual(4 * 2);
    expect(await keysWithoutTtl(redis, written)).toEqual([]);
  });
});
