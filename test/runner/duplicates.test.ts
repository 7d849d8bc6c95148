import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Runner, TurnResult } from '../../src/turns/runner.js';
import { RedisSessionStore } from '../../src/sessions/redis.js';
import { redisUrl } from '../support/redis.js';
import { nextUpdate, redisRunner, Respondent, summary } from './support.js';

/**
 * Duplicate protection (issue 4.2): a platform update id is applied once, however often and however
 * concurrently it arrives, on one replica or two; and a claim whose turn never saved does not lose the answer.
 */
describe('runner: duplicate updates (real Redis)', () => {
  let redisA: Redis;
  let redisB: Redis;
  let a: Runner;
  let b: Runner;
  let store: RedisSessionStore<Conversation>;

  beforeAll(() => {
    redisA = new Redis(redisUrl(8), { maxRetriesPerRequest: 1 });
    redisB = new Redis(redisUrl(8), { maxRetriesPerRequest: 1 });
    a = redisRunner(redisA);
    b = redisRunner(redisB);
    store = new RedisSessionStore<Conversation>({ redis: redisA });
  });
  afterAll(async () => {
    await redisA.quit();
    await redisB.quit();
  });

  /** A respondent at the first question of parent-full. */
  async function atFirstQuestion(): Promise<Respondent> {
    const r = new Respondent(a);
    await r.open('parent-full');
    await r.press('Start');
    return r;
  }

  const answersOf = (results: TurnResult[]) => results.flatMap((r) => r.events).filter((e) => e.type === 'answer.recorded');

  it('the same update three times in a row: one answer, one reply', async () => {
    const r = await atFirstQuestion();
    const input = r.button('4');
    const id = nextUpdate();
    const results = [await r.send(input, id), await r.send(input, id), await r.send(input, id)];
    expect(results.map((x) => x.duplicate)).toEqual([false, true, true]);
    expect(results[0]!.prompts.length).toBeGreaterThan(0);
    expect(results.slice(1).flatMap((x) => x.prompts)).toEqual([]);
    expect(answersOf(results)).toHaveLength(1);
    expect((await summary(store, r.key))?.answers).toEqual({ p_heard: { v: 4, s: 'a' } });
  });

  it('the same update three times at once, to two replicas: one answer, one reply, one revision', async () => {
    const r = await atFirstQuestion();
    const before = (await store.load(r.key))!.rev;
    const input = r.button('4');
    const id = nextUpdate();
    const results = await Promise.all([a, b, a].map((runner) => runner.handle({ key: r.key, input, updateId: id })));
    expect(results.filter((x) => !x.duplicate)).toHaveLength(1);
    expect(results.find((x) => !x.duplicate)!.prompts.length).toBeGreaterThan(0);
    expect(results.filter((x) => x.duplicate).flatMap((x) => x.prompts)).toEqual([]);
    expect(answersOf(results)).toHaveLength(1);
    expect((await store.load(r.key))!.rev).toBe(before + 1);
    expect((await summary(store, r.key))?.answers).toEqual({ p_heard: { v: 4, s: 'a' } });
  });

  it('an update claimed by a turn that died before saving is applied when it comes again', async () => {
    const r = await atFirstQuestion();
    const id = nextUpdate();
    expect(await store.seen(r.key, id)).toBe(true); // the first copy claimed it, then its process died
    const again = await r.send({ kind: 'text', text: '2' }, id);
    expect(again.duplicate).toBe(false);
    expect((await summary(store, r.key))?.answers).toEqual({ p_heard: { v: 2, s: 'a' } });
  });

  it('a claimed check-in opening that never saved is applied when it comes again (no conversation yet)', async () => {
    const r = new Respondent(a);
    const id = nextUpdate();
    expect(await store.seen(r.key, id)).toBe(true);
    const opened = await r.send(r.opening('parent-full'), id);
    expect(opened.duplicate).toBe(false);
    expect(opened.events.map((e) => e.type)).toContain('checkin.opened');
    expect((await summary(store, r.key))?.value).toBe('intro');
  });

  it('an opening delivered three times at once to two replicas starts one conversation', async () => {
    const r = new Respondent(a);
    const input = r.opening('parent-full');
    const id = nextUpdate();
    const results = await Promise.all([a, b, b].map((runner) => runner.handle({ key: r.key, input, updateId: id })));
    expect(results.filter((x) => !x.duplicate)).toHaveLength(1);
    expect(results.flatMap((x) => x.events).filter((e) => e.type === 'checkin.opened')).toHaveLength(1);
    expect((await store.load(r.key))!.rev).toBe(1);
  });

  it('a message without a conversation, delivered three times: one reply', async () => {
    const r = new Respondent(a);
    const id = nextUpdate();
    const results = await Promise.all([a, b, a].map((runner) => runner.handle({ key: r.key, input: { kind: 'text', text: 'hallo' }, updateId: id })));
    expect(results.filter((x) => !x.duplicate)).toHaveLength(1);
    expect(results.find((x) => !x.duplicate)!.prompts).toHaveLength(1);
    expect(await store.load(r.key)).toBeUndefined();
  });
});
