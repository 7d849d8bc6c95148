import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConversationTimers, type TimerHandler, createMemoryTimers, createRedisTimers } from '../../src/sessions/timers.js';
import { keysFor } from '../../src/keys.js';
import { redisUrl } from '../support/redis.js';
import { newKey } from './contract.js';
import { keysWithoutTtl, scanKeys, until } from './helpers.js';

/** Another conversation whose timers share `key`'s shard (and so its two keys). */
function sameShard(prefix: string, key: string): string {
  const { timerShard } = keysFor(prefix);
  for (;;) {
    const other = newKey();
    if (timerShard(other) === timerShard(key)) return other;
  }
}

/** What fired, per conversation, in order; `also` lets a test add behaviour for one key. */
class Recorder {
  readonly fired = new Map<string, string[]>();
  readonly also = new Map<string, (kind: string, index: number) => Promise<void>>();

  readonly handler: TimerHandler = async (key, kind, index) => {
    await this.also.get(key)?.(kind, index);
    this.fired.set(key, [...this.of(key), `${kind} ${index}`]);
  };

  of(key: string): string[] {
    return this.fired.get(key) ?? [];
  }
}

interface Subject {
  timers: ConversationTimers;
  close(): Promise<void>;
}

/** Longest a test waits for timers that should have fired, and how long it keeps watching for ones that should not. */
const FIRE_WITHIN_MS = 15_000;
const QUIET_MS = 400;

function timersContract(name: string, create: (handler: TimerHandler) => Promise<Subject>): void {
  describe(`ConversationTimers: ${name}`, () => {
    const recorder = new Recorder();
    let subject: Subject;
    let timers: ConversationTimers;

    beforeAll(async () => {
      subject = await create(recorder.handler);
      timers = subject.timers;
    });
    afterAll(() => subject?.close());

    it('fires a reminder, then the expiry', async () => {
      const key = newKey();
      const now = Date.now();
      await timers.plan(key, { reminders: [now + 100], expireAt: now + 300 });
      await until(() => recorder.of(key).length === 2, FIRE_WITHIN_MS);
      expect(recorder.of(key)).toEqual(['reminder 0', 'expire 0']);
    });

    it('replanning replaces the earlier plan; the same plan twice fires once', async () => {
      const replaced = newKey();
      const repeated = newKey();
      const now = Date.now();
      // The first plan lies well after the second, so a slow machine replans before it is due; the wait below
      // runs past it, so a plan that was not replaced would still show.
      await timers.plan(replaced, { reminders: [now + 1500], expireAt: now + 1600 });
      await timers.plan(replaced, { reminders: [now + 200, now + 300], expireAt: now + 400 });
      await timers.plan(repeated, { reminders: [now + 100], expireAt: now + 200 });
      await timers.plan(repeated, { reminders: [now + 100], expireAt: now + 200 });
      await until(() => recorder.of(replaced).length === 3 && recorder.of(repeated).length === 2, FIRE_WITHIN_MS);
      await sleep(Math.max(QUIET_MS, now + 1600 + QUIET_MS - Date.now()));
      expect(recorder.of(replaced)).toEqual(['reminder 0', 'reminder 1', 'expire 0']);
      expect(recorder.of(repeated)).toEqual(['reminder 0', 'expire 0']);
    });

    it('cancel removes every pending timer and the handler never fires', async () => {
      const key = newKey();
      const now = Date.now();
      // Due a second from now, so a slow machine still cancels first; the wait runs past them.
      await timers.plan(key, { reminders: [now + 1000, now + 1100], expireAt: now + 1200 });
      expect(await timers.cancel(key)).toBe(3);
      expect(await timers.cancel(key)).toBe(0);
      await sleep(Math.max(QUIET_MS, now + 1200 + QUIET_MS - Date.now()));
      expect(recorder.of(key)).toEqual([]);
    });

    it('a handler that throws is tried again after a backoff', async () => {
      const key = newKey();
      let failures = 0;
      recorder.also.set(key, async (kind) => {
        if (kind === 'reminder' && failures++ === 0) throw new Error('channel down');
      });
      const now = Date.now();
      await timers.plan(key, { reminders: [now + 100], expireAt: now + 200 });
      await until(() => recorder.of(key).length === 2, FIRE_WITHIN_MS);
      expect(failures).toBe(2);
      expect([...recorder.of(key)].sort()).toEqual(['expire 0', 'reminder 0']);
    });

    it('a reminder whose handler replans its own conversation gets the new timers', async () => {
      const key = newKey();
      let replanned = false;
      recorder.also.set(key, async (kind) => {
        if (kind !== 'reminder' || replanned) return;
        replanned = true;
        const now = Date.now();
        await timers.plan(key, { reminders: [now + 100], expireAt: now + 200 });
      });
      const now = Date.now();
      await timers.plan(key, { reminders: [now + 100], expireAt: now + 60_000 });
      await until(() => recorder.of(key).length === 3, FIRE_WITHIN_MS);
      await sleep(QUIET_MS);
      expect(recorder.of(key)).toEqual(['reminder 0', 'reminder 0', 'expire 0']);
    });
  });
}

timersContract('memory', async (handler) => {
  const timers = createMemoryTimers({ handler });
  return { timers, close: () => timers.close() };
});

/*
 * Database 1 is shared with the other files of test/sessions (which may run at the same time): nobody flushes
 * it, this file works under its own prefix and removes its keys at the end.
 */
const prefix = `tt-${randomUUID()}`;
const connections: Redis[] = [];

function connect(): Redis {
  const redis = new Redis(redisUrl(1), { maxRetriesPerRequest: null });
  connections.push(redis);
  return redis;
}

afterAll(async () => {
  const [redis] = connections;
  if (redis) {
    const keys = await scanKeys(redis, `${prefix}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
  }
  await Promise.all(connections.map((c) => c.quit()));
});

timersContract('redis (sorted-set schedule)', async (handler) => {
  const timers = createRedisTimers({ connection: connect(), prefix, handler, pollMs: 50 });
  return { timers, close: () => timers.close() };
});

describe('Redis timers on two replicas', () => {
  const recorder = new Recorder();
  let replicas: ConversationTimers[];

  beforeAll(() => {
    replicas = [0, 1].map(() => createRedisTimers({ connection: connect(), prefix: `${prefix}-replicas`, handler: recorder.handler, pollMs: 50 }));
  });
  afterAll(() => Promise.all(replicas.map((r) => r.close())));

  it('each timer fires exactly once, whichever replica planned it', async () => {
    const keys = Array.from({ length: 10 }, newKey);
    const now = Date.now();
    await Promise.all(keys.map((key, i) => replicas[i % 2]!.plan(key, { reminders: [now + 100 + 10 * i], expireAt: now + 300 + 10 * i })));
    await until(() => keys.every((k) => recorder.of(k).length === 2), FIRE_WITHIN_MS);
    await sleep(QUIET_MS);
    for (const key of keys) expect(recorder.of(key)).toEqual(['reminder 0', 'expire 0']);
  });

  it('leaves no key without a TTL, and none at all once every timer has fired', async () => {
    const redis = connections[0]!;
    const key = newKey();
    const now = Date.now();
    await replicas[0]!.plan(key, { reminders: [now + 100], expireAt: now + 10 * 24 * 3600_000 });
    const keys = await scanKeys(redis, `${prefix}-replicas:*`);
    const shard = keysFor(`${prefix}-replicas`).timers(keysFor(`${prefix}-replicas`).timerShard(key));
    expect(keys.sort()).toEqual([shard.due, shard.plans]);
    expect(await keysWithoutTtl(redis, keys)).toEqual([]);
    // The TTL reaches past the last timer planned, and a shorter plan later does not pull it in.
    expect(await redis.ttl(shard.plans)).toBeGreaterThan(10 * 24 * 3600);
    await replicas[1]!.plan(sameShard(`${prefix}-replicas`, key), { reminders: [], expireAt: now + 100 });
    expect(await redis.ttl(shard.due)).toBeGreaterThan(10 * 24 * 3600);
    await until(() => recorder.of(key).length === 1, FIRE_WITHIN_MS);
    expect(await replicas[0]!.cancel(key)).toBe(1);
    await until(async () => (await scanKeys(redis, `${prefix}-replicas:*`)).length === 0, FIRE_WITHIN_MS);
    expect(await scanKeys(redis, `${prefix}-replicas:*`)).toEqual([]);
  });
});

describe('Redis timers: a replica that dies mid-handler', () => {
  it('another replica fires the timer again once the lease has run out', async () => {
    const p = `${prefix}-lease`;
    const fired: string[] = [];
    const key = newKey();
    // The first replica claims the reminder, then loses its connection and never finishes: a killed process.
    const dyingConnection = new Redis(redisUrl(1), { maxRetriesPerRequest: null });
    const dying = createRedisTimers({ connection: dyingConnection, prefix: p, handler: () => new Promise(() => {}), onError: () => {}, pollMs: 50, leaseMs: 300 });
    await dying.plan(key, { reminders: [Date.now()], expireAt: Date.now() + 60_000 });
    const redis = connections[0]!;
    await until(async () => Number(await redis.zscore(keysFor(p).timers(keysFor(p).timerShard(key)).due, key)) > Date.now(), FIRE_WITHIN_MS);
    dyingConnection.disconnect();
    const survivor = createRedisTimers({ connection: connect(), prefix: p, handler: async (k, kind, index) => void fired.push(`${kind} ${index}`), pollMs: 50 });
    try {
      await until(() => fired.length === 1, FIRE_WITHIN_MS);
      expect(fired).toEqual(['reminder 0']);
    } finally {
      await survivor.cancel(key);
      await survivor.close();
    }
  });
});
