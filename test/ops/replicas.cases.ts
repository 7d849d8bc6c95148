import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { postUpdate } from '../support/telegram-updates.js';
import {
  API_TOKEN, buildImage, createCheckin, metric, parentFull, RESPONSES_SECRET, startBotProcess, startReceiver, TgPerson, WEBHOOK_SECRET,
  type BotProcess, type Receiver,
} from './support.js';

/**
 * Two bot processes (the built server) on one Redis and no load balancer: every chat's webhooks alternate
 * between them, some updates reach both (Telegram redelivering), some taps are doubled across them. Every chat
 * completes parent-full with no answer lost, every response reaches the backend exactly once, and the BullMQ
 * workers of both processes share reminders and deliveries. Run on one Redis server and on a Redis Cluster.
 */

/** The Redis the two processes share: its variables, how /readyz names it, and how to let it go. */
export interface SharedRedis {
  env: Record<string, string>;
  storage: string;
  stop(): Promise<void>;
}

const CHATS = 4;
/** Reminders 24 h × scale ≈ 30 s after /start: after the walking chats finished (which cancels theirs). */
const TIMER_SCALE = String(30 / (24 * 3600));

export function twoReplicaCases(name: string, shared: () => Promise<SharedRedis>): void {
  let redis: SharedRedis;
  let api: FakeBotApi;
  let receiver: Receiver;
  const bots: BotProcess[] = [];
  let bases: string[];
  let opsBases: string[];

  beforeAll(async () => {
    const image = await buildImage();
    redis = await shared();
    api = await startFakeBotApi();
    receiver = await startReceiver();
    const env = {
      NODE_ENV: 'test', PSEUDONYM_KEY: 'r'.repeat(40), ...redis.env, PORT: '0', OPS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'fb-replicas-')), TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.apiRoot,
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, PUBLIC_URL: 'http://127.0.0.1:8443/', CHECKIN_API_TOKENS: API_TOKEN,
      RESPONSES_WEBHOOK_URL: receiver.url, RESPONSES_WEBHOOK_SECRET: RESPONSES_SECRET, TIMER_SCALE,
    };
    bots.push(startBotProcess(image, env), startBotProcess(image, env));
    bases = await Promise.all(bots.map((b) => b.base));
    opsBases = await Promise.all(bots.map((b) => b.ops));
  }, 180_000);

  afterAll(async () => {
    for (const b of bots) b.child.kill('SIGTERM');
    await Promise.all(bots.map((b) => b.exit));
    await Promise.all([api?.close(), receiver?.close(), redis?.stop()]);
  });

  const sum = async (series: string) => (await Promise.all(opsBases.map((b) => metric(b, series)))).reduce((a, b) => a + b, 0);

  /** Walks parent-full alternating replicas; every third turn the same update goes to both, every fifth tap is doubled across them. */
  async function walk(person: TgPerson): Promise<number> {
    let duplicates = 0;
    for (let turn = 0; !person.finished(); turn++) {
      if (turn > 40) throw new Error('the conversation did not end');
      const code = person.choice();
      const [a, b] = bases.map((base) => `${base}/telegram`) as [string, string];
      const before = person.messages().at(-1)?.message_id ?? 0;
      if (code && turn % 3 === 2) {
        const update = person.tap(code);
        const answers = await Promise.all([postUpdate(a, update, WEBHOOK_SECRET), postUpdate(b, update, WEBHOOK_SECRET)]);
        expect(answers.map((r) => r.status)).toEqual([200, 200]);
        await person.next(before);
        duplicates++;
      } else if (code?.startsWith('a:') && turn % 5 === 4) {
        const answers = await Promise.all([postUpdate(a, person.tap(code), WEBHOOK_SECRET), postUpdate(b, person.tap(code), WEBHOOK_SECRET)]);
        expect(answers.map((r) => r.status)).toEqual([200, 200]);
        await person.next(before);
      } else {
        expect(await person.answer()).toBe(200);
      }
    }
    return duplicates;
  }

  describe(`two replicas on ${name}, no load balancer`, () => {
    it('both are ready with their queue workers running', async () => {
      for (const ops of opsBases) expect(await (await fetch(`${ops}/readyz`)).json()).toEqual({ ok: true, storage: redis.storage, checks: { redis: true, queues: true, flows: true } });
    });

    it('carry several chats through parent-full without loss or duplication, and share reminders and deliveries', async () => {
      const idle = new TgPerson(api, bases.map((b) => `${b}/telegram`), { id: 7_300_000, is_bot: false, first_name: 'Idle', language_code: 'nl' });
      const idleCheckin = await createCheckin(bases[1]!, parentFull);
      expect((await idle.start(idleCheckin.token)).status).toBe(200);
      expect(await idle.answer()).toBe(200); // Start, then nothing: a reminder is due

      const people = Array.from({ length: CHATS }, (_, i) => new TgPerson(api, bases.map((b) => `${b}/telegram`), { id: 7_300_001 + i, is_bot: false, first_name: 'P', language_code: 'nl' }));
      const checkins = await Promise.all(people.map((_, i) => createCheckin(bases[i % 2]!, parentFull)));
      const duplicates = await Promise.all(people.map(async (person, i) => {
        expect((await person.start(checkins[i]!.token)).status).toBe(200);
        return walk(person);
      }));
      for (const person of people) expect(person.finished()).toBe(true);

      const ids = new Set(checkins.map((c) => c.id));
      const completed = () => receiver.delivered().filter((a) => a.body.type === 'response.completed' && ids.has(String(a.body.checkinId)));
      await receiver.until(() => completed().length >= CHATS);
      const reminded = () => idle.messages().filter((m) => m.text.includes('Je vragenlijst staat nog open'));
      while (reminded().length === 0) await new Promise((r) => setTimeout(r, 100));

      // Every response exactly once, by webhook id and by check-in; no answer lost or doubled.
      expect(new Set(completed().map((a) => a.id)).size).toBe(CHATS);
      expect(completed()).toHaveLength(CHATS);
      for (const attempt of completed()) {
        const items = (attempt.body.answers as Array<{ item: string; status: string }>).map((a) => a.item);
        expect(new Set(items).size).toBe(items.length);
        expect((attempt.body.answers as Array<{ status: string }>).filter((a) => a.status === 'answered').length).toBeGreaterThanOrEqual(15);
      }
      expect(reminded()).toHaveLength(1);

      // Both replicas took turns; each update that reached both was applied once and acknowledged as a duplicate once.
      for (const ops of opsBases) expect(await metric(ops, 'feedbackbot_turns_total{channel="tg",input="button",outcome="ok"}')).toBeGreaterThan(0);
      expect(await sum('feedbackbot_turns_total{channel="tg",input="button",outcome="duplicate"}')).toBe(duplicates.reduce((a, b) => a + b, 0));
      expect(await sum('feedbackbot_completions_total{flow="parent-full"}')).toBe(CHATS);
      expect(await sum('feedbackbot_delivery_attempts_total{lane="response",result="delivered"}')).toBe(CHATS);
      expect(await sum('feedbackbot_turns_total{channel="tg",input="timer",outcome="ok"}')).toBe(1);
    }, 150_000);
  });
}
