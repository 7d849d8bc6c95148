import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Prompt } from '../../src/conversation/types.js';
import { until } from '../delivery/support/wait.js';
import { redisUrl } from '../support/redis.js';
import { answerAll, Respondent } from './support.js';

/**
 * Reminders and expiry (issue 4.3) through the composed core: Redis store and timers (or the embedded
 * default's memory store and timers) and the timer handler of `createCore`, with flow timers shrunk by TIMER_SCALE — an hour lasts 25 ms here, so fixture-club (2 reminders
 * every 12 h, 72 h lifetime) reminds at 0.3 s and 0.6 s and expires at 1.8 s; parent-checkin (1 reminder after
 * 24 h, 168 h lifetime, no partials) reminds at 0.6 s and expires at 4.2 s.
 */
const HOUR_MS = 25;

/** Registers the cases for reminders and expiry; run from core.test.ts, one file with the others that start a core. */
export function timerCases(): void {
  describe.each([
    ['the Redis schedule', redisUrl(8)],
    ['memory timers (the embedded default)', undefined],
  ])('runner: reminders and expiry with %s (TIMER_SCALE)', (_, REDIS_URL) => {
    let core: Core;
    const sent = new Map<string, Prompt[][]>();

    beforeAll(async () => {
      const config = loadConfig({
        NODE_ENV: 'test', REDIS_URL, TIMER_SCALE: String(HOUR_MS / 3600_000),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'fb-timers-')), PSEUDONYM_KEY: 'k'.repeat(32),
      });
      core = await createCore(config, pino({ level: 'silent' }), { flowDirs: ['flows', 'test/fixtures/flows'], localeDirs: ['locales', 'test/fixtures/locales'] });
      core.outbound.set('tg', {
        send: async (key, prompts) => (sent.set(key, [...(sent.get(key) ?? []), prompts]), 'sent'),
        keep: async () => {},
      });
    });
    afterAll(() => core?.close());

    const stateOf = async (key: string) => (await core.store.load(key))?.state.snap.value;
    const reminderText = () => core.texts.t('nl')('reminder');
    /** A respondent who starts `flow`, presses one answer, and then lets the conversation run out. */
    async function leftToExpire(flow: string, answer: string): Promise<Respondent> {
      const r = new Respondent(core.runner);
      await r.open(flow);
      await r.press('Start');
      await r.press(answer);
      await until('expiry', async () => (await stateOf(r.key)) === 'expired', 10_000);
      return r;
    }

    it('sends at most the flow\'s reminders to the channel, then expires silently and queues the partial', async () => {
      const r = await leftToExpire('fixture-club', 'vaak');

      const messages = sent.get(r.key) ?? [];
      expect(messages).toHaveLength(2);
      for (const prompts of messages) {
        expect(prompts[0]!.text).toBe(reminderText());
        expect(prompts.at(-1)!.ask).toBe('f_stress'); // the open question is asked again
      }
      const queued = await core.delivery.listFor(r.pseudonym);
      expect(queued.map((d) => d.type)).toEqual(['response.partial']);

      const late = await r.say('nog iets');
      expect(late.prompts.map((p) => p.text)).toEqual([core.texts.t('nl')('expired')]);
      expect(await stateOf(r.key)).toBe('expired');
    });

    it('expires a flow without partials without queueing anything', async () => {
      const r = await leftToExpire('parent-checkin', '4');
      expect(sent.get(r.key)?.map((prompts) => prompts[0]!.text)).toEqual([reminderText()]);
      expect(await core.delivery.listFor(r.pseudonym)).toEqual([]);
    });

    it('a timer that outlives its conversation (finished, or deleted) changes and says nothing', async () => {
      const done = new Respondent(core.runner);
      await done.open('parent-checkin');
      await done.press('Start');
      await answerAll(done);
      await done.press('Verstuur');
      expect(await stateOf(done.key)).toBe('done');
      const rev = (await core.store.load(done.key))!.rev;
      for (const timer of ['reminder', 'expire'] as const) {
        expect((await core.runner.handle({ key: done.key, input: { kind: 'timer', timer } })).prompts).toEqual([]);
      }
      expect((await core.store.load(done.key))!.rev).toBe(rev);

      const gone = new Respondent(core.runner);
      expect((await core.runner.handle({ key: gone.key, input: { kind: 'timer', timer: 'reminder' } })).prompts).toEqual([]);
      expect(await core.store.load(gone.key)).toBeUndefined();
    });
  });

  describe('TIMER_SCALE', () => {
    it('only shortens, and is refused in production', () => {
      expect(loadConfig({}).TIMER_SCALE).toBe(1);
      expect(() => loadConfig({ TIMER_SCALE: '2' })).toThrow(/TIMER_SCALE may only shorten/);
      expect(() => loadConfig({ NODE_ENV: 'production', PSEUDONYM_KEY: 'k'.repeat(32), TIMER_SCALE: '0.001' })).toThrow(/TIMER_SCALE is for tests and drills/);
    });
  });
}
