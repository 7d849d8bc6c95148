import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Runner, TurnResult } from '../../src/turns/runner.js';
import { RedisSessionStore } from '../../src/sessions/redis.js';
import { redisUrl } from '../support/redis.js';
import { nextUpdate, redisRunner, Respondent, summary } from './support.js';

/**
 * Races on one conversation (issue 4, "checked by"): two runner instances — two replicas, each with its own
 * connection and store — take 10 concurrent inputs. Every answer is recorded exactly once and the conversation
 * ends where a sequential run of the same inputs ends.
 */
describe('runner: two replicas racing on one conversation (real Redis)', () => {
  let redisA: Redis;
  let redisB: Redis;
  let replicas: [Runner, Runner];
  let store: RedisSessionStore<Conversation>;

  beforeAll(() => {
    redisA = new Redis(redisUrl(8), { maxRetriesPerRequest: 1 });
    redisB = new Redis(redisUrl(8), { maxRetriesPerRequest: 1 });
    replicas = [redisRunner(redisA), redisRunner(redisB)];
    store = new RedisSessionStore<Conversation>({ redis: redisA });
  });
  afterAll(async () => {
    await redisA.quit();
    await redisB.quit();
  });

  async function atFirstQuestion(): Promise<Respondent> {
    const r = new Respondent(replicas[0]);
    await r.open('parent-full');
    await r.press('Start');
    return r;
  }

  const recorded = (results: TurnResult[]) =>
    results.flatMap((r) => r.events).flatMap((e) => (e.type === 'answer.recorded' ? [e.item] : []));

  it('the same button tapped 10 times at once (10 updates, both replicas): one answer, the state of one tap', async () => {
    const raced = await atFirstQuestion();
    const tap = raced.button('4');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => replicas[i % 2]!.handle({ key: raced.key, input: tap, updateId: nextUpdate() })));
    expect(recorded(results)).toEqual(['p_heard']);
    // The other nine taps are late taps on an old button: a short notice, never a second answer.
    expect(results.filter((r) => !r.events.length).every((r) => r.prompts.every((p) => p.kind === 'notice'))).toBe(true);

    const sequential = await atFirstQuestion();
    await sequential.press('4');
    expect(await summary(store, raced.key)).toEqual(await summary(store, sequential.key));
    expect((await summary(store, raced.key))?.answers).toEqual({ p_heard: { v: 4, s: 'a' } });
  });

  it('10 typed answers racing, each delivered to both replicas at once: each recorded once, as in a sequential run', async () => {
    const raced = await atFirstQuestion();
    const ids = Array.from({ length: 10 }, nextUpdate);
    const results = await Promise.all(
      ids.flatMap((id) => replicas.map((runner) => runner.handle({ key: raced.key, input: { kind: 'text', text: '4' }, updateId: id }))),
    );
    expect(results.filter((r) => !r.duplicate)).toHaveLength(10);
    const items = recorded(results);
    expect(items).toHaveLength(10);
    expect(new Set(items).size).toBe(10);
    expect(results.filter((r) => !r.duplicate).every((r) => r.events.filter((e) => e.type === 'answer.recorded').length === 1)).toBe(true);

    const sequential = await atFirstQuestion();
    for (let i = 0; i < 10; i++) await sequential.say('4');
    const expected = await summary(store, sequential.key);
    expect(Object.keys(expected!.answers)).toHaveLength(10);
    expect(await summary(store, raced.key)).toEqual(expected);
    expect((await store.load(raced.key))!.state.recent).toEqual(expect.arrayContaining(ids));
  });
});
