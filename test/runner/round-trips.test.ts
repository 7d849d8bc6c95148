import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from '../../src/turns/runner.js';
import { countCommands } from '../sessions/helpers.js';
import { redisUrl } from '../support/redis.js';
import { redisRunner, Respondent } from './support.js';

/**
 * Round trips per answered item (issue 10: at most 3): the runner claims the update id and loads the conversation
 * in one script, and saves in one more. Counted on the runner's own connection, which nothing else uses.
 */
describe('runner: Redis round trips per turn', () => {
  let redis: Redis;
  let runner: Runner;

  beforeAll(() => {
    redis = new Redis(redisUrl(8), { maxRetriesPerRequest: 1 });
    runner = redisRunner(redis);
  });
  afterAll(() => redis.quit());

  it('an answered item — a button or a typed answer — costs two: claim+load, then save', async () => {
    const r = new Respondent(runner);
    await r.open('parent-full');
    await r.press('Start'); // the scripts are known to the server from here on
    const counter = countCommands(redis);
    const perTurn: number[] = [];
    for (const answer of [() => r.press('4'), () => r.say('3'), () => r.press('2')]) {
      counter.reset();
      const { events } = await answer();
      expect(events.map((e) => e.type)).toContain('answer.recorded');
      perTurn.push(counter.count);
    }
    expect(perTurn).toEqual([2, 2, 2]);
  });

  it('a redelivered update costs one: the claim+load that recognises it', async () => {
    const r = new Respondent(runner);
    await r.open('parent-full');
    await r.press('Start');
    const tap = r.button('4');
    await r.send(tap, '42');
    const counter = countCommands(redis);
    expect((await r.send(tap, '42')).duplicate).toBe(true);
    expect(counter.count).toBe(1);
  });
});
