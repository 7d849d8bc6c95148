import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Runner } from '../../src/turns/runner.js';
import { createDelivery, type Delivery } from '../../src/delivery/index.js';
import { RedisSessionStore } from '../../src/sessions/redis.js';
import { createRedisTimers, type ConversationTimers } from '../../src/sessions/timers.js';
import { Receiver } from '../delivery/support/receiver.js';
import { captureLog, until } from '../delivery/support/wait.js';
import { scanKeys } from '../sessions/helpers.js';
import { redisUrl } from '../support/redis.js';
import { answerAll, redisRunner, Respondent, shared } from './support.js';
import { keysFor } from '../../src/keys.js';

/**
 * "/wis" and "/antwoorden" (issue 4.4) with every part real: Redis store, Redis timers (no handler here, so
 * planned timers stay pending) and BullMQ delivery to a local receiver. The respondent has one response that
 * was delivered while the receiver was up, one partial the receiver (now down) never got, and an open
 * conversation with pending timers.
 */
const SECRET = `whsec_${Buffer.from('runner-wis-test-secret-32-bytes!').toString('base64')}`;
const TIMERS = 'wis';

describe('runner: /wis and /antwoorden (Redis store and timers, BullMQ delivery)', () => {
  let redis: Redis;
  let receiver: Receiver;
  let delivery: Delivery;
  let timers: ConversationTimers;
  let runner: Runner;
  let store: RedisSessionStore<Conversation>;
  const t = (lng: 'nl' | 'fr') => shared.texts.t(lng);
  const made: Respondent[] = [];

  beforeAll(async () => {
    redis = new Redis(redisUrl(8), { maxRetriesPerRequest: null });
    receiver = await Receiver.reserve(SECRET);
    delivery = await createDelivery({ redis, url: receiver.url, secrets: [SECRET], log: captureLog(), retryDelaysMs: [600_000], prefix: 'wis-delivery' });
    timers = createRedisTimers({ connection: redis, prefix: TIMERS });
    store = new RedisSessionStore<Conversation>({ redis });
    runner = redisRunner(redis, { delivery, timers, store });
  });
  afterAll(async () => {
    // What a respondent who did not say "/wis" left: a day-long timer plan and a partial retried in 10 minutes.
    for (const r of made) {
      await timers.cancel(r.key);
      await delivery.forget(r.pseudonym);
    }
    await timers?.close();
    await delivery?.close();
    await receiver?.down();
    await redis?.quit();
  });

  /** Sent and delivered, unsent partial, open conversation with timers: everything "/wis" has to deal with. */
  async function respondentWithHistory(lng: 'nl' | 'fr'): Promise<Respondent> {
    const r = new Respondent(runner);
    made.push(r);
    const run = r.pseudonym.slice(-12); // check-in ids are document ids: unique per run, as in production
    await receiver.up();
    await r.open('parent-checkin', { id: `chk_done_${run}`, locale: lng });
    await r.press(t(lng)('buttons.start'));
    await answerAll(r, '4');
    await r.press(t(lng)('buttons.send'));
    await until('the completed response is delivered', async () => (await delivery.listFor(r.pseudonym)).some((d) => d.state === 'delivered'));
    await receiver.down();

    await r.open('fixture-club', { id: `chk_partial_${run}`, locale: lng });
    await r.press(t(lng)('buttons.start'));
    await r.press(/./); // the first answer of the first question
    await r.say('/stop');
    await r.press(t(lng)('buttons.yesStop'));
    await r.open('parent-checkin', { id: `chk_open_${run}`, locale: lng });
    await r.press(t(lng)('buttons.start'));
    await r.press('3');
    return r;
  }

  /** The conversation's timers still planned (its plan in the schedule hash, `<attempts> r0@… x0@…`), and whether one is due. */
  const shardOf = (key: string) => keysFor(TIMERS).timers(keysFor(TIMERS).timerShard(key));
  const pendingTimers = async (key: string) => {
    const plan = await redis.hget(shardOf(key).plans, key);
    const due = await redis.zscore(shardOf(key).due, key);
    return { count: plan ? plan.split(' ').length - 1 : 0, scheduled: due !== null };
  };

  it('/antwoorden shows the answers held and what was sent', async () => {
    const r = await respondentWithHistory('nl');
    const shown = (await r.say('/antwoorden')).prompts.map((p) => p.text).join('\n');
    expect(shown).toContain(t('nl')('data.title'));
    expect(shown).toContain(t('nl')('data.answers', { count: 1 }));
    expect(shown).toMatch(/\n• .+ → neutraal\n/); // the open conversation's one answer (3)
    expect(shown).toMatch(/response\.completed \(delivered, \d{4}-\d\d-\d\d\)/);
    expect(shown).toMatch(/response\.partial \(pending, \d{4}-\d\d-\d\d\)/);
  });

  it('/wis, after the confirmation, removes the conversation, its timers and the unsent partial, and says so', async () => {
    const r = await respondentWithHistory('fr');
    expect(await pendingTimers(r.key)).toEqual({ count: 2, scheduled: true }); // the open check-in's reminder and expiry
    expect(await scanKeys(redis, `*${r.pseudonym}*`)).not.toEqual([]);
    const plans = await redis.hkeys(shardOf(r.key).plans);

    const asked = await r.say('/wis');
    expect(asked.prompts.at(-1)?.text).toBe(t('fr')('delete.confirm'));
    expect(await store.load(r.key)).toBeDefined(); // nothing is removed before the confirmation
    const done = await r.press(t('fr')('buttons.yesDelete'));

    expect(done.prompts.map((p) => p.text)).toEqual([[t('fr')('delete.done'), t('fr')('delete.alreadySent', { count: 1 })].join('\n')]);
    expect(await scanKeys(redis, `*${r.pseudonym}*`)).toEqual([]);
    // Values too: nothing of the conversation, timers or the partial, nor the delivered response's finished job. The
    // one holder left is the erasure notice for the backend (down here), which leaves Redis once it is delivered.
    const holders = await valuesHolding(redis, r.pseudonym);
    expect(holders).toEqual([expect.stringMatching(/^\{wis-delivery\}:responses:era_[\w-]+$/)]);
    expect(await redis.hget(holders[0]!, 'name')).toBe('respondent.erased');
    expect(JSON.parse((await redis.hget(holders[0]!, 'data'))!)).toEqual({ type: 'respondent.erased', id: expect.any(String), respondent: { pseudonym: r.pseudonym }, at: expect.any(String) });
    expect(await pendingTimers(r.key)).toEqual({ count: 0, scheduled: false });
    const left = await redis.hkeys(shardOf(r.key).plans);
    expect([...left, r.key].sort()).toEqual([...plans].sort()); // this conversation's plan, and no other
    expect((await delivery.listFor(r.pseudonym)).map((d) => d.state)).not.toContain('pending');
    const theirs = receiver.received.filter((x) => x.body.includes(r.pseudonym)).map((x) => (JSON.parse(x.body) as { type: string }).type);
    expect([...new Set(theirs)]).toEqual(['response.completed']); // the partial never left
  });
});

/** Keys whose value (string, hash, list, set, sorted set or stream) mentions `needle`. */
async function valuesHolding(redis: Redis, needle: string): Promise<string[]> {
  const read: Record<string, (k: string) => Promise<unknown>> = {
    string: (k) => redis.get(k), hash: (k) => redis.hgetall(k), list: (k) => redis.lrange(k, 0, -1),
    set: (k) => redis.smembers(k), zset: (k) => redis.zrange(k, '0', '-1'), stream: (k) => redis.xrange(k, '-', '+'),
  };
  const found: string[] = [];
  for (const key of await scanKeys(redis, '*')) {
    const value = await read[await redis.type(key)]?.(key);
    if (JSON.stringify(value ?? null).includes(needle)) found.push(key);
  }
  return found;
}
