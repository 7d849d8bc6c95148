import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryReachStore, redisReachStore, type Reach, type ReachStore } from '../../src/checkins/reach.js';
import { redisUrl } from '../support/redis.js';

/** One contract for both reach stores (consent to follow-ups); Redis database 12 with its own prefix. */
const redis = new Redis(redisUrl(12), { maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());

let clock = Date.parse('2026-11-01T10:00:00Z');
const stores: Array<[string, () => ReachStore, (seconds: number) => Promise<void>]> = [
  ['memory', () => memoryReachStore(() => clock), async (s) => void (clock += s * 1000)],
  ['redis', () => redisReachStore(redis, `fbt${Math.random().toString(36).slice(2, 8)}`), (s) => new Promise((r) => setTimeout(r, s * 1000 + 100))],
];

const reach = (key: string, caseRef = 'C1'): Reach => ({ conversationKey: key, pseudonym: key.slice(3), channel: 'telegram', caseRef, at: '2026-11-01T10:00:00Z' });

describe.each(stores)('%s reach store', (_name, make, elapse) => {
  it('keeps a reach under its reference until it expires', async () => {
    const s = make();
    await s.put('ref-a', reach('tg:p1'), 1);
    expect(await s.get('ref-a')).toEqual(reach('tg:p1'));
    expect(await s.get('ref-b')).toBeUndefined();
    await elapse(1);
    expect(await s.get('ref-a')).toBeUndefined();
  });

  it('drops one reference, and forgets every reference of a conversation (/wis) but not those that moved elsewhere', async () => {
    const s = make();
    await s.put('ref-a', reach('tg:p1'), 60);
    await s.put('ref-b', reach('tg:p1', 'C2'), 60);
    await s.put('ref-c', reach('tg:p2'), 60);
    await s.drop('ref-a');
    expect(await s.get('ref-a')).toBeUndefined();
    await s.put('ref-b', reach('tg:p3', 'C2'), 60); // the respondent consented again from another chat
    await s.put('ref-d', reach('tg:p1'), 60);
    await s.forget('tg:p1');
    expect(await s.get('ref-d')).toBeUndefined();
    expect((await s.get('ref-b'))?.conversationKey).toBe('tg:p3');
    expect((await s.get('ref-c'))?.conversationKey).toBe('tg:p2');
  });
});

it('gives every Redis key it writes a TTL', async () => {
  const prefix = 'fbttl';
  const s = redisReachStore(redis, prefix);
  await s.put('ref-x', reach('tg:px'), 120);
  const keys = await redis.keys(`${prefix}:*`);
  expect(keys.sort()).toEqual([`${prefix}:reach:{ref-x}`, `${prefix}:{tg:px}:reach`]);
  for (const k of keys) expect(await redis.ttl(k)).toBeGreaterThan(100);
});
