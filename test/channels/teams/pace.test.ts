import { describe, expect, it } from 'vitest';
import { createPacer, isUnreachable } from '../../../src/channels/teams/pace.js';

/** A clock that only moves when the pacer sleeps: no wall-clock time in these tests. */
function fakeTime() {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

const httpError = (statusCode: number, retryAfter?: string) =>
  Object.assign(new Error(`status ${statusCode}`), { statusCode, response: { headers: { get: (n: string) => (n === 'retry-after' ? retryAfter : undefined) } } });

describe('Teams pacing', () => {
  it('starts at most 7 calls per conversation in any second, in order', async () => {
    const time = fakeTime();
    const pacer = createPacer({ now: time.now, sleep: time.sleep });
    const starts: Array<[number, number]> = [];
    await Promise.all(Array.from({ length: 20 }, (_, i) => pacer.run('conv-a', async () => void starts.push([i, time.now()]))));
    expect(starts.map(([i]) => i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const [, at] of starts) expect(starts.filter(([, s]) => s > at - 1000 && s <= at).length).toBeLessThanOrEqual(7);
    expect(starts.at(-1)![1] - starts[0]![1]).toBeGreaterThanOrEqual(2000);
  });

  it('keeps the window across turns that come one after another', async () => {
    const time = fakeTime();
    const pacer = createPacer({ now: time.now, sleep: time.sleep, perSecond: 2 });
    for (let i = 0; i < 3; i++) await pacer.run('conv-a', async () => undefined);
    expect(time.sleeps).toEqual([1000]);
  });

  it('does not hold one conversation back for another', async () => {
    const time = fakeTime();
    const pacer = createPacer({ now: time.now, sleep: time.sleep, perSecond: 1 });
    await Promise.all(['a', 'b', 'c'].map((c) => pacer.run(c, async () => undefined)));
    expect(time.sleeps).toEqual([]);
  });

  it('retries 429, 412, 502 and 504 with jittered exponential back-off, honouring Retry-After', async () => {
    const time = fakeTime();
    const pacer = createPacer({ now: time.now, sleep: time.sleep, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5, attempts: 5 });
    const faults = [httpError(412), httpError(502), httpError(429, '3'), httpError(504)];
    let calls = 0;
    const result = await pacer.run('conv-a', async () => {
      calls++;
      const f = faults.shift();
      if (f) throw f;
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(5);
    expect(time.sleeps).toEqual([50, 100, 3000, 400]);
  });

  it('gives up after the last attempt, and at once on other errors', async () => {
    const time = fakeTime();
    const pacer = createPacer({ now: time.now, sleep: time.sleep, attempts: 3 });
    let calls = 0;
    await expect(pacer.run('c', async () => {
      calls++;
      throw httpError(429);
    })).rejects.toMatchObject({ statusCode: 429 });
    expect(calls).toBe(3);
    calls = 0;
    await expect(pacer.run('c', async () => {
      calls++;
      throw httpError(403);
    })).rejects.toMatchObject({ statusCode: 403 });
    expect(calls).toBe(1);
  });

  it('tells an unreachable person (blocked, not in roster) from a passing failure', () => {
    expect(isUnreachable(httpError(403))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('The bot is not part of the conversation roster.'), { statusCode: 400, code: 'BadArgument' }))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('x'), { code: 'ConversationBlockedByUser' }))).toBe(true);
    expect(isUnreachable(httpError(429))).toBe(false);
    expect(isUnreachable(httpError(502))).toBe(false);
  });
});
