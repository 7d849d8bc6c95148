import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonsOf } from '../channels/telegram/harness.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { freshRedis, redisUrl } from '../support/redis.js';
import { postUpdate, textMessage } from '../support/telegram-updates.js';
import {
  API_TOKEN, buildImage, createCheckin, metric, parentFull, RESPONSES_SECRET, startBotProcess, startGate, startReceiver, TgPerson, WEBHOOK_SECRET,
  type BotProcess, type Gate, type Receiver,
} from './support.js';

/**
 * The built server, started the way the Dockerfile's CMD starts it (`node dist/main.js`, NODE_ENV=production, from
 * a directory holding only what the image holds), on Redis DB 9 and the fake Bot API: health, readiness, metrics,
 * then SIGTERM in the middle of a turn, and the conversation carried on by a new process.
 */

let image: string;
let api: FakeBotApi;
let gate: Gate;
let receiver: Receiver;
let env: Record<string, string>;
const processes: BotProcess[] = [];

beforeAll(async () => {
  image = await buildImage();
  await (await freshRedis(9)).quit();
  api = await startFakeBotApi();
  gate = await startGate(api.apiRoot);
  receiver = await startReceiver();
  env = {
    NODE_ENV: 'production', PSEUDONYM_KEY: 'p'.repeat(40), REDIS_URL: redisUrl(9), PORT: '0', OPS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'fb-built-')), TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: gate.apiRoot,
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, PUBLIC_URL: 'http://127.0.0.1:8443/', CHECKIN_API_TOKENS: API_TOKEN,
    RESPONSES_WEBHOOK_URL: receiver.url, RESPONSES_WEBHOOK_SECRET: RESPONSES_SECRET,
  };
}, 180_000);

afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all([api?.close(), gate?.stop(), receiver?.close()]);
});

function start(): BotProcess {
  const p = startBotProcess(image, env);
  processes.push(p);
  return p;
}

/** Once the check-in's response arrived, stops `bot` cleanly; the response came once, with every item once. */
async function deliveredOnce(bot: BotProcess, checkinId: string): Promise<{ answers: Array<{ item: string; status: string }> }> {
  await receiver.until((a) => a.some((x) => x.body.checkinId === checkinId && x.body.type === 'response.completed'));
  bot.child.kill('SIGTERM');
  expect(await bot.exit).toBe(0);
  const copies = receiver.delivered().filter((a) => a.body.checkinId === checkinId && a.body.type === 'response.completed');
  expect(copies).toHaveLength(1);
  const doc = copies[0]!.body as { answers: Array<{ item: string; status: string }> };
  const items = doc.answers.map((a) => a.item);
  expect(new Set(items).size).toBe(items.length);
  return doc;
}

describe('the built server (node dist/main.js)', () => {
  it('refuses a bad configuration at start: every problem named at once, exit 1', async () => {
    const refused = startBotProcess(image, {
      NODE_ENV: 'production', PORT: 'eighty', REDIS_URL: 'localhost:6379', TELEGRAM_BOT_TOKEN: '123:abc', RESPONSES_WEBHOOK_URL: 'https://backend.example.org/hook',
      CHECKIN_API_TOKENS: 'short',
    });
    expect(await refused.exit).toBe(1);
    const said = refused.stderr.join('');
    for (const name of ['PORT', 'REDIS_URL', 'TELEGRAM_BOT_TOKEN', 'CHECKIN_API_TOKENS', 'RESPONSES_WEBHOOK_SECRET', 'PSEUDONYM_KEY']) expect(said).toContain(`- ${name}:`);
    expect(said).toMatch(/^Invalid configuration \(\d+\):/);
  });

  let first: BotProcess;
  let base: string;
  let ops: string;

  it('starts from dist/ with flows and locales found, and is healthy and ready; operations only on OPS_PORT', async () => {
    first = start();
    base = await first.base;
    ops = await first.ops;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    const ready = await fetch(`${ops}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, storage: 'redis', checks: { redis: true, queues: true, flows: true } });
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    expect(metrics).toContain('# TYPE feedbackbot_turns_total counter');
    expect(metrics).toContain('nodejs_eventloop_lag_seconds');
    expect(first.logs.find((l) => l.msg === 'feedbackbot is listening')).toMatchObject({ telegram: 'webhook' });
  });

  it('SIGTERM mid-turn: the turn completes, new webhooks get 503, exit 0; a new process resumes the conversation, the response goes out once', async () => {
    const urls = [`${base}/telegram`];
    const person = new TgPerson(api, urls, { id: 5_100_001, is_bot: false, first_name: 'Ann', language_code: 'nl' });
    const { id: checkinId, token } = await createCheckin(base, parentFull);
    expect((await person.start(token)).status).toBe(200);
    for (let i = 0; i < 8; i++) expect(await person.answer()).toBe(200);
    expect(await metric(ops, 'feedbackbot_turns_total{channel="tg",input="button",outcome="ok"}')).toBe(8);
    expect(await metric(ops, 'feedbackbot_answers_total{flow="parent-full",item="p_heard"}')).toBe(1);

    // What the 9th tap says is held at the Bot API: the turn is saved and answered, its sending still in progress.
    gate.close(['editMessageText', 'sendMessage']);
    const inFlight = person.answer();
    await gate.holding();
    first.child.kill('SIGTERM');
    await first.logged('shutting down: refusing new requests, finishing those in flight');
    const late = await postUpdate(urls[0]!, textMessage('hallo', { from: { id: 5_100_002, is_bot: false, first_name: 'Bo' } }), WEBHOOK_SECRET);
    expect(late.status).toBe(503);
    expect((await fetch(`${ops}/readyz`)).status).toBe(503);
    expect(first.child.exitCode).toBeNull();
    gate.open();
    expect(await inFlight).toBe(200);
    expect(await first.exit).toBe(0);
    expect(first.logs.at(-1)?.msg).toBe('shut down');
    const asked = person.keyboardMessage()!.text; // the question the held answer carried

    const second = start();
    urls[0] = `${await second.base}/telegram`;
    expect(await person.answer()).toBe(200);
    const answered = person.messages().find((m) => m.text.startsWith(asked));
    expect(answered?.text).toMatch(/Je antwoord: \S/); // the new process took the answer to that same question
    await person.playToEnd();
    expect(person.finished()).toBe(true);

    const doc = await deliveredOnce(second, checkinId);
    expect(doc.answers.filter((a) => a.status === 'answered').length).toBeGreaterThanOrEqual(15);
  });

  it('SIGKILL between the save and the send: a new process says what the turn saved, once, in order', async () => {
    const killed = start();
    const url = `${await killed.base}/telegram`;
    const urls = [url];
    const person = new TgPerson(api, urls, { id: 5_100_003, is_bot: false, first_name: 'Cas', language_code: 'nl' });
    const { id: checkinId, token } = await createCheckin(await killed.base, parentFull);
    expect((await person.start(token)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect(await person.answer()).toBe(200);
    const asked = person.keyboardMessage()!;

    // The webhook is answered once the turn is saved; the bot dies while saying it, before Telegram got anything.
    gate.close(['editMessageText', 'sendMessage']);
    const code = person.choice()!;
    expect((await postUpdate(url, person.tap(code), WEBHOOK_SECRET)).status).toBe(200);
    await gate.holding();
    killed.child.kill('SIGKILL');
    await killed.exit;
    gate.open();
    expect(person.messages().at(-1)!.message_id).toBe(asked.message_id); // nothing was said
    expect(buttonsOf(person.keyboardMessage())).not.toEqual([]);

    // A new process finds the outbox once the dead sender's lease lapsed, and says it: the answer shown on the
    // question, the next question once.
    const next = start();
    urls[0] = `${await next.base}/telegram`;
    await person.next(asked.message_id, 30_000);
    const after = person.messages().filter((m) => m.message_id > asked.message_id);
    expect(after).toHaveLength(1);
    expect(after[0]!.text).not.toBe(asked.text);
    expect(person.messages().find((m) => m.message_id === asked.message_id)!.text).toMatch(/Je antwoord: \S/);
    // Nothing twice: a second look finds nothing more to say.
    await new Promise((r) => setTimeout(r, 2500));
    expect(person.messages().filter((m) => m.message_id > asked.message_id)).toHaveLength(1);

    await person.playToEnd();
    expect(person.finished()).toBe(true);
    await deliveredOnce(next, checkinId);
  }, 90_000);
});
