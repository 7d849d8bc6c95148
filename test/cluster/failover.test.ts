import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Update } from 'grammy/types';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { keys } from '../../src/keys.js';
import { createPseudonymiser } from '../../src/pseudonym.js';
import { API_TOKEN, buildImage, createCheckin, metric, parentFull, RESPONSES_SECRET, startBotProcess, startReceiver, TgPerson, WEBHOOK_SECRET, type BotProcess, type Receiver } from '../ops/support.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { startCluster, type LocalCluster } from '../support/redis-cluster.js';
import { postUpdate, textMessage } from '../support/telegram-updates.js';

/**
 * The failover drill: the built server on a 3-master cluster, a parent halfway through parent-full, and the master
 * that holds the conversation is killed (SIGKILL). Its replica is promoted within seconds; meanwhile the webhook
 * answers 503 and Telegram delivers the update again, as it does. The conversation goes on where it was, no answer
 * lost or doubled, and its response reaches the backend once.
 */
const PSEUDONYM_KEY = 'f'.repeat(40);
let cluster: LocalCluster;
let api: FakeBotApi;
let receiver: Receiver;
let bot: BotProcess;
let base: string;

beforeAll(async () => {
  const image = await buildImage();
  cluster = await startCluster();
  api = await startFakeBotApi();
  receiver = await startReceiver();
  bot = startBotProcess(image, {
    NODE_ENV: 'test', PSEUDONYM_KEY, REDIS_CLUSTER_NODES: cluster.nodes.join(','), PORT: '0', OPS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'fb-failover-')), TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.apiRoot,
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, PUBLIC_URL: 'http://127.0.0.1:8443/', CHECKIN_API_TOKENS: API_TOKEN,
    RESPONSES_WEBHOOK_URL: receiver.url, RESPONSES_WEBHOOK_SECRET: RESPONSES_SECRET,
  });
  base = await bot.base;
}, 180_000);

afterAll(async () => {
  bot?.child.kill('SIGTERM');
  await bot?.exit;
  await Promise.all([api?.close(), receiver?.close(), cluster?.stop()]);
});

/** Posts one update until the bot acknowledges it, as Telegram redelivers a 5xx; returns how many were refused. */
async function deliver(update: Update): Promise<number> {
  for (let refused = 0; refused < 200; refused++) {
    const res = await postUpdate(`${base}/telegram`, update, WEBHOOK_SECRET);
    if (res.status === 200) return refused;
    expect(res.status).toBe(503);
    await sleep(150);
  }
  throw new Error('the bot never took the update back');
}

it('a master killed mid-survey: the replica takes over, the survey goes on, nothing lost or doubled, delivered once', async () => {
  const person = new TgPerson(api, [`${base}/telegram`], { id: 7_400_001, is_bot: false, first_name: 'F', language_code: 'nl' });
  const { id, token } = await createCheckin(base, parentFull);
  expect((await person.start(token)).status).toBe(200);
  for (let i = 0; i < 4; i++) expect(await person.answer()).toBe(200);

  const conversation = `tg:${createPseudonymiser(PSEUDONYM_KEY).pseudonymise('telegram', person.id)}`;
  const master = await cluster.masterOf(keys.conversation(conversation, 'conv'));
  cluster.kill(master);

  let refused = 0;
  for (let turn = 0; !person.finished(); turn++) {
    if (turn > 40) throw new Error('the conversation did not end');
    const code = person.choice();
    const before = person.messages().at(-1)?.message_id ?? 0;
    refused += await deliver(code ? person.tap(code) : textMessage('Het gaat goed zo.', { from: person.user }));
    await person.next(before);
  }
  await cluster.settled();
  expect(await cluster.masterOf(keys.conversation(conversation, 'conv'))).not.toBe(master);

  const completed = () => receiver.delivered().filter((a) => a.body.type === 'response.completed' && a.body.checkinId === id);
  await receiver.until(() => completed().length >= 1);
  await sleep(1000); // a second copy would come now
  expect(completed()).toHaveLength(1);
  const answers = completed()[0]!.body.answers as Array<{ item: string; status: string }>;
  expect(new Set(answers.map((a) => a.item)).size).toBe(answers.length);
  expect(answers.filter((a) => a.status === 'answered').length).toBeGreaterThanOrEqual(15);
  const ops = await bot.ops;
  expect(await metric(ops, 'feedbackbot_completions_total{flow="parent-full"}')).toBe(1);
  console.log(`failover drill: master ${master} killed, ${refused} webhook calls answered 503 until the replica took over`);
}, 120_000);
