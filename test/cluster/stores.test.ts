import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCheckinStore } from '../../src/checkins/redis-store.js';
import { createRateLimiter } from '../../src/checkins/rate-limit.js';
import { redisReachStore } from '../../src/checkins/reach.js';
import { createDelivery } from '../../src/delivery/index.js';
import { QueueDelivery } from '../../src/delivery/queue.js';
import { keysFor, TIMER_SHARDS } from '../../src/keys.js';
import { connectRedis, masters, redisReady, type RedisClient } from '../../src/redis/connect.js';
import { checkRedis } from '../../src/sessions/check.js';
import { RedisSessionStore } from '../../src/sessions/redis.js';
import { createRedisTimers } from '../../src/sessions/timers.js';
import { checkinStoreContract } from '../checkins/contract.js';
import { response, safetySignal, SECRET } from '../delivery/support/docs.js';
import { Receiver } from '../delivery/support/receiver.js';
import { captureLog, until } from '../delivery/support/wait.js';
import { type Doc, sessionStoreContract } from '../sessions/contract.js';
import { keysWithoutTtl, scanKeys } from '../sessions/helpers.js';
import { startCluster, type LocalCluster } from '../support/redis-cluster.js';

/**
 * The storage contracts on a real Redis Cluster (3 masters, 3 replicas on loopback): the same suites as on one
 * server, plus what only a cluster can show — every multi-key step inside one slot (a cross-slot step fails with
 * CROSSSLOT), timers spread over the masters, checks held on every master.
 */
let cluster: LocalCluster;
const clients: RedisClient[] = [];
// A file-level hook runs before every suite's own: a failed start fails the file once, with its cause.
beforeAll(async () => {
  cluster = await startCluster();
}, 120_000);
const connect = async (): Promise<RedisClient> => {
  const c = connectRedis({ REDIS_CLUSTER_NODES: cluster.nodes }, { maxRetriesPerRequest: null })!;
  clients.push(c);
  return c;
};

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await cluster?.stop();
});

sessionStoreContract('redis cluster (two connections)', async () => {
  const prefix = `t-${randomUUID()}`;
  const [a, b] = [await connect(), await connect()];
  return { replicas: [new RedisSessionStore<Doc>({ redis: a, prefix }), new RedisSessionStore<Doc>({ redis: b, prefix })], elapse: (ms) => sleep(ms), close: async () => {} };
});

checkinStoreContract('redis cluster (two connections)', async () => {
  const prefix = `t-${randomUUID()}`;
  const [a, b] = [await connect(), await connect()];
  return { replicas: [new RedisCheckinStore({ redis: a, prefix }), new RedisCheckinStore({ redis: b, prefix })], elapse: (ms) => sleep(ms), close: async () => {} };
});

describe('on a Redis Cluster', () => {
  let redis: RedisClient;
  beforeAll(async () => {
    redis = await connect();
  });

  it('is ready, and the start-up checks hold on every master', async () => {
    expect(await redisReady(redis)).toBe(true);
    expect(await masters(redis)).toHaveLength(3);
    expect(await checkRedis(redis)).toMatchObject({ maxmemoryPolicy: 'noeviction' });
  });

  it('fires every timer once across two pollers, the shards spread over every master', async () => {
    const prefix = `t-${randomUUID()}`;
    const fired: string[] = [];
    const handler = async (key: string, kind: string) => void fired.push(`${key} ${kind}`);
    const pollers = [createRedisTimers({ connection: redis, prefix, handler, pollMs: 50 }), createRedisTimers({ connection: await connect(), prefix, handler, pollMs: 50 })];
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `tg:cluster-${i}-${randomUUID()}`);
      const now = Date.now();
      await Promise.all(keys.map((key, i) => pollers[i % 2]!.plan(key, { reminders: [now + 200], expireAt: now + 400 })));
      const names = keysFor(prefix);
      const shards = new Set(keys.map((k) => names.timerShard(k)));
      expect(shards.size).toBeGreaterThan(TIMER_SHARDS / 2);
      const holders = new Set(await Promise.all([...shards].map((s) => cluster.masterOf(names.timers(s).due))));
      expect(holders.size).toBe(3);
      await until('every reminder and expiry', () => fired.length === keys.length * 2, 20_000);
      await sleep(500);
      expect(fired.sort()).toEqual(keys.flatMap((k) => [`${k} expire`, `${k} reminder`]).sort());
    } finally {
      await Promise.all(pollers.map((p) => p.close()));
    }
  });

  it('delivers each document once, forgets a respondent and keeps every key with a TTL (the ledger and queues in one slot)', async () => {
    const prefix = `t-${randomUUID()}`;
    const receiver = await Receiver.start(SECRET);
    const d = (await createDelivery({ redis, url: receiver.url, secrets: [SECRET], prefix, retryDelaysMs: [30, 30], lockMs: 2000, log: captureLog() })) as QueueDelivery;
    try {
      expect(d).toBeInstanceOf(QueueDelivery);
      const docs = [response(1), response(2), response(3, 'ps_gone')];
      for (const doc of [...docs, docs[0]!]) await d.enqueueResponse(doc);
      await d.enqueueSafety(safetySignal(4));
      await until('every document', () => receiver.deliveries().size === 4);
      expect([...receiver.deliveries().values()]).toEqual([1, 1, 1, 1]);
      // The receiver's 200 comes before the ledger records it: wait for the record of both respondents looked at.
      await until('the ledger to say delivered', async () => (await d.listFor('ps_1'))[0]?.state === 'delivered' && (await d.listFor('ps_gone'))[0]?.state === 'delivered');
      expect(await d.forget('ps_gone')).toMatchObject({ alreadySent: 1 });
      expect(await d.listFor('ps_gone')).toEqual([]);
      const own = (await scanKeys(redis, `{${prefix}}:*`)).filter((k) => !/:(responses|safety):/.test(k));
      expect(own.length).toBeGreaterThan(0);
      expect(await keysWithoutTtl(redis, own)).toEqual([]);
    } finally {
      await receiver.down();
      await d.close();
    }
  });

  it('counts rate limits and keeps consent to follow-ups per conversation', async () => {
    const prefix = `t-${randomUUID()}`;
    const limiter = createRateLimiter({ redis, prefix });
    const rule = { limit: 2, windowSeconds: 60 };
    const hits = [];
    for (let i = 0; i < 3; i++) hits.push((await limiter.hit('bucket', 'someone', rule)).ok);
    expect(hits).toEqual([true, true, false]);
    const reach = redisReachStore(redis, prefix);
    await reach.put('ref-1', { conversationKey: 'tg:psd-1', pseudonym: 'psd-1', channel: 'telegram', caseRef: 'C1', at: new Date().toISOString() }, 60);
    expect(await reach.get('ref-1')).toMatchObject({ conversationKey: 'tg:psd-1' });
    await reach.forget('tg:psd-1');
    expect(await reach.get('ref-1')).toBeUndefined();
  });
});
