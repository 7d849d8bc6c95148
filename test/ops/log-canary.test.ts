import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createBot, type Bot } from '../../src/http/bot.js';
import { createLogger } from '../../src/log.js';
import { buttonValue, heading, WebClient } from '../channels/web/client.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { startFakeConnector, type FakeConnector } from '../support/fake-connector.js';
import { startFakeGraphApi, type FakeGraphApi } from '../support/fake-graph-api.js';
import { freshRedis, redisUrl } from '../support/redis.js';
import { callbackQuery, postUpdate, textMessage } from '../support/telegram-updates.js';
import { messageFrom, postNotification, status, text } from '../support/whatsapp-notifications.js';
import { API_TOKEN, createCheckin, RESPONSES_SECRET, startReceiver, TgPerson, WEBHOOK_SECRET, type Receiver } from './support.js';

/**
 * A canary travels every path where personal data enters the bot — Telegram text, names and ids, Teams text and
 * names, WhatsApp text, profile name and number (and a failed status naming it), the web chat, the check-in API (worker's first name, idempotency key, bearer tokens), a backend that
 * answers 500 with the canary in its body, the safety net, /wis — through the bot exactly as `npm start` composes
 * it, logging at trace level. Not one log line may contain it. Redis DB 7.
 */

const CANARY = 'Kanarie7Qx';
/** A Telegram user and chat id: platform ids must not be logged either, in any form. */
const CANARY_ID = 6_182_739_405;
const TENANT = '0f0f0f0f-1111-4222-8333-444455556666';
const TEAMS_USER = `${CANARY.toLowerCase()}-aad-object`;

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});
let bot: Bot;
let base: string;
let ops: string;
let api: FakeBotApi;
let connector: FakeConnector;
let graph: FakeGraphApi;
const WA_SECRET = 'canary-app-secret';
/** The WhatsApp number carries the Telegram canary id, so the leak check below covers it too. */
const WA_ID = `32${CANARY_ID}`;
let receiver: Receiver;
const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m));

beforeAll(async () => {
  await (await freshRedis(7)).quit();
  api = await startFakeBotApi();
  connector = await startFakeConnector();
  graph = await startFakeGraphApi();
  // Fails every response (echoing the canary) but takes the erasure notices of "/wis", so the delivery counts below
  // are the response's alone.
  receiver = await startReceiver((doc) => (doc.type === 'respondent.erased' ? { status: 204 } : { status: 500, body: `internal error for ${CANARY}` }));
  const config = loadConfig({
    NODE_ENV: 'test', PORT: '0', OPS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'trace', REDIS_URL: redisUrl(7), PSEUDONYM_KEY: 'c'.repeat(40),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'fb-canary-')), PUBLIC_URL: 'http://127.0.0.1/',
    TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.apiRoot, TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, TELEGRAM_BOT_USERNAME: 'feedback_test_bot',
    TEAMS_ALLOW_UNAUTHENTICATED: 'true', RESPONSES_WEBHOOK_URL: receiver.url, RESPONSES_WEBHOOK_SECRET: RESPONSES_SECRET, DELIVERY_RETRY_DELAYS_MS: '10,10',
    CHECKIN_API_TOKENS: `${API_TOKEN},${CANARY}-second-api-token-0123456789`,
    WHATSAPP_ACCESS_TOKEN: graph.token, WHATSAPP_PHONE_NUMBER_ID: graph.phoneNumberId, WHATSAPP_APP_SECRET: WA_SECRET, WHATSAPP_VERIFY_TOKEN: 'canary-verify',
    WHATSAPP_API_ROOT: graph.apiRoot, WHATSAPP_NUMBER: '+32470998877',
  });
  bot = await createBot(config, createLogger({ level: 'trace', destination: sink }));
  base = await bot.listen();
  ops = bot.opsUrl();
});

afterAll(async () => {
  await bot.shutdown();
  await Promise.all([api.close(), connector.close(), graph.close(), receiver.close()]);
});

const invite = (flow: string, role: 'parent' | 'child', extra: Record<string, unknown> = {}) =>
  createCheckin(base, { flow, caseRef: 'CASE-CANARY', respondent: { role, ...(role === 'child' ? { ageBand: 'teen' } : {}) }, worker: { firstName: CANARY }, ...extra });

/** A Teams personal-chat message from a person whose display name is the canary. */
function teams(fields: Record<string, unknown>): Promise<number> {
  const activity = {
    type: 'message', id: `1:canary-${Math.random()}`, channelId: 'msteams', serviceUrl: connector.serviceUrl, timestamp: new Date().toISOString(),
    locale: 'nl-BE', from: { id: `29:${TEAMS_USER}`, name: CANARY, aadObjectId: TEAMS_USER }, recipient: { id: '28:feedbackbot', name: 'Feedbackbot' },
    conversation: { id: `a:personal-${TEAMS_USER}`, conversationType: 'personal', tenantId: TENANT }, channelData: { tenant: { id: TENANT } },
    ...fields,
  };
  return fetch(`${base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) }).then((r) => r.status);
}

describe('log canary', () => {
  it('check-in API: the worker first name, idempotency key and bearer tokens stay out of the logs', async () => {
    const body = { flow: 'parent-checkin', caseRef: 'CASE-CANARY', respondent: { role: 'parent' }, worker: { firstName: CANARY }, idempotencyKey: `${CANARY}-idem` };
    await createCheckin(base, body, `${CANARY}-second-api-token-0123456789`);
    await createCheckin(base, body, `${CANARY}-second-api-token-0123456789`); // the replay
    const wrong = await fetch(`${base}/v1/checkins`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${CANARY}-wrong-token-000000000000` }, body: JSON.stringify(body) });
    expect(wrong.status).toBe(401);
    const invalid = await fetch(`${base}/v1/checkins`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` }, body: JSON.stringify({ ...body, worker: { firstName: `${CANARY}\u0007` }, [CANARY]: 1 }) });
    expect(invalid.status).toBe(400);
  });

  it('Telegram: text, first and last name, username and the chat id; the safety net, a failed delivery, /wis', async () => {
    const { token } = await invite('parent-checkin', 'parent');
    const user = { id: CANARY_ID, is_bot: false, first_name: CANARY, last_name: CANARY, username: `${CANARY}_u`, language_code: 'nl' };
    const person = new TgPerson(api, [`${base}/telegram`], user, { freeText: `Alles goed, groeten van ${CANARY}`, lowest: true });
    expect((await person.start(token)).status).toBe(200);
    expect((await person.say(`ik wil dood ${CANARY}`)).status).toBe(200); // the safety net, on the intro
    // A Bot API error that echoes the canary (a proxy or self-hosted Bot API may): the turn is saved, not said.
    api.failNext('sendMessage', { status: 400, description: `Bad Request: chat ${CANARY} ${CANARY_ID} not found`, chatId: CANARY_ID });
    expect(await person.answer()).toBe(200);
    await person.playToEnd();
    expect(person.finished()).toBe(true);
    // Someone without an invite and a forged button.
    expect((await postUpdate(`${base}/telegram`, textMessage(`hallo ${CANARY}`, { from: { ...user, id: CANARY_ID + 1 } }), WEBHOOK_SECRET)).status).toBe(200);
    expect((await postUpdate(`${base}/telegram`, callbackQuery(`9|${CANARY}|a:1`, { from: user }), WEBHOOK_SECRET)).status).toBe(200);
    // The response, with the canary in its free text, failed three times against a backend echoing the canary…
    await receiver.until((a) => a.filter((x) => x.body.type === 'response.completed').length >= 3);
    await vi.waitUntil(() => lines.some((l) => l.includes('moved to dead letters')), { timeout: 10_000 });
    // …and is a dead letter when the person asks to be forgotten, which takes it too.
    expect((await person.say('/wis')).status).toBe(200);
    expect((await person.say('ja')).status).toBe(200);
    expect(person.messages().at(-1)?.text).toMatch(/gewist/i);
    expect(JSON.stringify(receiver.attempts.map((a) => a.body))).toContain(CANARY);
    expect(receiver.attempts.some((a) => a.body.type === 'safety.signal')).toBe(true);
  }, 60_000);

  it('Teams: display name, ids and text; the safety net and /wis', async () => {
    const { token } = await invite('parent-checkin', 'parent');
    expect(await teams({ text: `start ${token}` })).toBe(200);
    expect(await teams({ text: `${CANARY} wil dood` })).toBe(200);
    expect(await teams({ text: `zeg ${CANARY}` })).toBe(200);
    expect(await teams({ text: '/wis' })).toBe(200);
    expect(await teams({ text: 'ja' })).toBe(200);
    expect(connector.activities.length).toBeGreaterThan(0);
  });

  it('WhatsApp: text, profile name and number; the safety net, a failed status, /wis', async () => {
    const { token } = await invite('parent-checkin', 'parent');
    const say = (body: string) => postNotification(`${base}/whatsapp`, messageFrom(graph.phoneNumberId, WA_ID, text(body), { name: CANARY }), WA_SECRET).then((r) => r.status);
    expect(await say(`start ${token}`)).toBe(200);
    expect(await say(`ik wil dood ${CANARY}`)).toBe(200);
    expect(await say(`zeg ${CANARY}`)).toBe(200);
    await bot.channels.get('whatsapp')!.settled!();
    const sent = graph.messages(WA_ID).at(-1)!;
    expect((await postNotification(`${base}/whatsapp`, status(graph.phoneNumberId, sent.id, WA_ID, 'failed', 131026), WA_SECRET)).status).toBe(200);
    expect(await say('/wis')).toBe(200);
    expect(await say('ja')).toBe(200);
    await bot.channels.get('whatsapp')!.settled!();
    expect(graph.messages(WA_ID).length).toBeGreaterThan(0);
  });

  it('web chat: typed text, the safety net and /wis', async () => {
    const { token } = await invite('child-checkin', 'child');
    const url = `${base}/c/${token}`;
    const client = new WebClient(base);
    await client.get(url);
    await client.submit(url, { open: '1' });
    await client.submit(url, { b: buttonValue((await client.get(url)).html, 'Start') });
    expect((await client.submit(url, { text: `ik wil dood, ${CANARY}` }, { form: 1 })).status).toBe(200);
    expect((await client.submit(url, { text: CANARY }, { form: 1 })).status).toBe(200);
    const confirm = await client.submit(url, { text: '/wis' }, { form: 1 });
    expect(heading((await client.submit(url, { b: buttonValue(confirm.html, 'Ja, wis alles') })).html)).toMatch(/gewist/i);
  });

  it('no log line carries the canary or the platform id, while plenty was logged', () => {
    const console = consoleSpies.flatMap((s) => s.mock.calls.map((args) => args.map(String).join(' ')));
    const all = [...lines, ...console];
    const said = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    for (const msg of ['feedbackbot is listening', 'delivery attempt failed; will retry', 'delivery failed on the last attempt: moved to dead letters', 'web: invite opened', 'telegram: saved turn could not be said']) {
      expect(said, `"${msg}" was logged`).toContain(msg);
    }
    const leaks = all.filter((l) => l.toLowerCase().includes(CANARY.toLowerCase()) || l.includes(String(CANARY_ID)));
    expect(leaks).toEqual([]);
  });
});

describe('metrics after the canary run', () => {
  it('counted turns, answers, safety signals and failed deliveries, with labels that carry no personal data', async () => {
    const res = await fetch(`${ops}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    expect(value('feedbackbot_turns_total{channel="tg",input="text",outcome="ok"}')).toBeGreaterThan(0);
    expect(value('feedbackbot_turns_total{channel="teams",input="text",outcome="ok"}')).toBeGreaterThan(0);
    expect(value('feedbackbot_turns_total{channel="web",input="text",outcome="ok"}')).toBeGreaterThan(0);
    expect(value('feedbackbot_answers_total{flow="parent-checkin",item="p_heard"}')).toBeGreaterThan(0);
    expect(value('feedbackbot_completions_total{flow="parent-checkin"}')).toBe(1);
    expect(text).toMatch(/^feedbackbot_safety_signals_total\{flow="parent-checkin",category="\w+"\} [1-9]/m);
    expect(value('feedbackbot_delivery_attempts_total{lane="response",result="retry"}')).toBe(2);
    expect(value('feedbackbot_delivery_attempts_total{lane="response",result="dead"}')).toBe(1);
    // Read at scrape; the dead letters went with "/wis", so every lane is empty again once the erasure notices
    // "/wis" queued (answered 204 by the receiver) have left — scraped until then, as a dashboard would.
    const backlog = ['{lane="response",state="waiting"}', '{lane="safety",state="failed"}', '{lane="all",state="dead"}'].map((series) => `feedbackbot_delivery_backlog${series} 0`);
    let missing = backlog;
    for (const end = Date.now() + 20_000; missing.length && Date.now() < end; await sleep(100)) {
      const now = await (await fetch(`${ops}/metrics`)).text();
      missing = backlog.filter((line) => !now.includes(line));
    }
    expect(missing).toEqual([]);
    expect(text).toMatch(/^feedbackbot_turn_duration_seconds_count\{channel="tg"\} [1-9]/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text.toLowerCase()).not.toContain(CANARY.toLowerCase());
  });

  it('counts Redis connection errors', async () => {
    const before = Number(/^feedbackbot_redis_errors_total\{source="core"\} (\d+)$/m.exec(await (await fetch(`${ops}/metrics`)).text())?.[1] ?? 0);
    bot.core.redis!.emit('error', new Error('read ECONNRESET'));
    const after = await (await fetch(`${ops}/metrics`)).text();
    expect(after).toContain(`feedbackbot_redis_errors_total{source="core"} ${before + 1}`);
  });
});
