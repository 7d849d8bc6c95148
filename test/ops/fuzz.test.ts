import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { startFakeConnector, type FakeConnector } from '../support/fake-connector.js';
import { startFakeGraphApi, type FakeGraphApi } from '../support/fake-graph-api.js';
import { freshRedis, redisUrl } from '../support/redis.js';
import { auditRetention } from '../support/retention-audit.js';
import { postUpdate } from '../support/telegram-updates.js';
import { postNotification } from '../support/whatsapp-notifications.js';
import { API_TOKEN, buildImage, createCheckin, metric, startBotProcess, WEBHOOK_SECRET, type BotProcess } from './support.js';

/**
 * Fuzzing every public route of the built server (Telegram webhook, Teams messages, WhatsApp notifications, web chat
 * forms, check-in API)
 * with generated input, malformed more often than not: the server never answers 5xx to input that is merely
 * malformed (Redis is healthy, so a 5xx would be the bot's own failure), never exits, and leaves no Redis key
 * outside the documented retention. Seeds are fixed, so a failure is reproduced by running the file again.
 * `/healthz` is timed alongside each route, and the bot's own event-loop delay (perf_hooks.monitorEventLoopDelay,
 * as prom-client exports it: reset by each scrape) read after it; both printed: figures, not assertions.
 */
const DB = 14;
const RUNS = { telegram: 1500, teams: 800, whatsapp: 800, web: 600, api: 600 };
const APP_SECRET = 'fuzz-app-secret';

let api: FakeBotApi;
let connector: FakeConnector;
let graph: FakeGraphApi;
let bot: BotProcess;
let base: string;
let inviteToken: string;

beforeAll(async () => {
  const image = await buildImage();
  await (await freshRedis(DB)).quit();
  api = await startFakeBotApi();
  connector = await startFakeConnector();
  graph = await startFakeGraphApi();
  bot = startBotProcess(image, {
    NODE_ENV: 'test', PSEUDONYM_KEY: 'z'.repeat(40), REDIS_URL: redisUrl(DB), PORT: '0', OPS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'fb-fuzz-')), TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.apiRoot,
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, PUBLIC_URL: 'http://127.0.0.1:8443/', CHECKIN_API_TOKENS: API_TOKEN, TEAMS_ALLOW_UNAUTHENTICATED: 'true',
    WHATSAPP_ACCESS_TOKEN: graph.token, WHATSAPP_PHONE_NUMBER_ID: graph.phoneNumberId, WHATSAPP_APP_SECRET: APP_SECRET, WHATSAPP_VERIFY_TOKEN: 'fuzz-verify',
    WHATSAPP_API_ROOT: graph.apiRoot, WHATSAPP_NUMBER: '+32470998877',
  });
  base = await bot.base;
  inviteToken = (await createCheckin(base, { flow: 'child-checkin', caseRef: 'FUZZ', respondent: { role: 'child', ageBand: 'teen' } })).token;
}, 180_000);

afterAll(async () => {
  if (bot?.child.exitCode === null) {
    bot.child.kill('SIGTERM');
    await bot.exit;
  }
  await Promise.all([api?.close(), connector?.close(), graph?.close()]);
});

/** Runs the property while timing `/healthz` every 20 ms; returns the slowest answer and the bot's largest event-loop delay, in ms. */
async function withHealthProbe(run: () => Promise<void>): Promise<{ slowestHealthzMs: number; eventLoopMaxMs: number }> {
  const ops = await bot.ops;
  await metric(ops, 'nodejs_eventloop_lag_max_seconds'); // a scrape resets the bot's event-loop histogram
  let slowest = 0;
  let done = false;
  const probe = (async () => {
    while (!done) {
      const t = performance.now();
      await fetch(`${base}/healthz`).then((r) => r.arrayBuffer());
      slowest = Math.max(slowest, performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    await run();
  } finally {
    done = true;
    await probe;
  }
  const lag = await metric(ops, 'nodejs_eventloop_lag_max_seconds');
  return { slowestHealthzMs: Math.round(slowest), eventLoopMaxMs: Math.round(lag * 1000) };
}

const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.constantFrom('/start', '/wis', '/hulp', '/stop', '/taal', '/antwoorden', '/terug', 'start', 'ja', '4', 'verstuur', 'papa slaat mij'),
  fc.integer().map(String),
  fc.constant('x'.repeat(70_000)),
  // A real invite (created before the runs): the conversations it opens are fuzzed from inside too.
  fc.constant(null).map(() => `start ${inviteToken}`),
);
const odd = fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.jsonValue({ maxDepth: 2 }));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, odd);

const user = fc.record({ id: maybe(fc.integer({ min: 1, max: 50 })), is_bot: maybe(fc.boolean()), first_name: maybe(fc.string()), language_code: maybe(fc.constantFrom('nl', 'fr', 'en', 'de', '')) }, { requiredKeys: [] });
const chat = fc.record({ id: maybe(fc.integer({ min: 1, max: 50 })), type: maybe(fc.constantFrom('private', 'group', 'channel')) }, { requiredKeys: [] });
const message = fc.record({ message_id: maybe(fc.nat()), date: maybe(fc.nat()), chat, from: user, text: maybe(text) }, { requiredKeys: [] });
const update = fc.oneof(
  fc.record({
    update_id: maybe(fc.nat()),
    message: maybe(message),
    edited_message: maybe(message),
    callback_query: maybe(fc.record({ id: maybe(fc.string()), from: user, data: maybe(fc.oneof(fc.string(), fc.constantFrom('x|st', 'x|a:4', 'x|sd'))), message: maybe(message) }, { requiredKeys: [] })),
  }, { requiredKeys: ['update_id'] }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
);

describe('fuzzing the built server', () => {
  it(`Telegram webhook: ${RUNS.telegram} generated updates, never a 5xx`, async () => {
    const figures = await withHealthProbe(() =>
      fc.assert(fc.asyncProperty(update, async (u) => (await postUpdate(`${base}/telegram`, u as never, WEBHOOK_SECRET)).status < 500), { numRuns: RUNS.telegram, seed: 1 }),
    );
    console.log(JSON.stringify({ fuzz: 'telegram', runs: RUNS.telegram, ...figures }));
    expect(bot.child.exitCode).toBeNull();
  }, 240_000);

  it(`Teams messages: ${RUNS.teams} generated activities, never a 5xx`, async () => {
    const account = fc.record({ id: maybe(fc.constantFrom('29:a', '29:b', '29:c')), aadObjectId: maybe(fc.uuid()) }, { requiredKeys: [] });
    const activity = fc.oneof(
      fc.record({
        type: maybe(fc.constantFrom('message', 'conversationUpdate', 'invoke', 'messageReaction')),
        id: maybe(fc.string({ maxLength: 20 })),
        channelId: maybe(fc.constantFrom('msteams', 'webchat')),
        serviceUrl: fc.constant(connector.serviceUrl),
        from: account,
        recipient: fc.constant({ id: '28:bot' }),
        conversation: maybe(fc.record({ id: maybe(fc.constantFrom('a:1', 'a:2')), tenantId: maybe(fc.uuid()), conversationType: maybe(fc.constantFrom('personal', 'channel')) }, { requiredKeys: [] })),
        text: maybe(text),
        value: maybe(fc.jsonValue({ maxDepth: 2 })),
        locale: maybe(fc.constantFrom('nl-BE', 'fr-BE', 'en-US', 'xx')),
      }, { requiredKeys: ['serviceUrl'] }).map((a) => JSON.stringify(a)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
    );
    const figures = await withHealthProbe(() =>
      fc.assert(
        fc.asyncProperty(activity, async (body) => (await fetch(`${base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status < 500),
        { numRuns: RUNS.teams, seed: 2 },
      ),
    );
    console.log(JSON.stringify({ fuzz: 'teams', runs: RUNS.teams, ...figures }));
    expect(bot.child.exitCode).toBeNull();
  }, 240_000);

  it(`WhatsApp: ${RUNS.whatsapp} generated notifications, signed (so they are read), never a 5xx`, async () => {
    const from = maybe(fc.constantFrom('32470000001', '32470000002', '32470000003'));
    const said = fc.oneof(
      fc.record({ type: fc.constant('text'), text: maybe(fc.record({ body: maybe(text) }, { requiredKeys: [] })) }, { requiredKeys: [] }),
      fc.record({ type: fc.constant('interactive'), interactive: maybe(fc.record({ type: maybe(fc.constantFrom('button_reply', 'list_reply')), button_reply: maybe(fc.record({ id: maybe(fc.string()), title: maybe(fc.string()) })), list_reply: maybe(fc.record({ id: maybe(fc.string()), title: maybe(fc.string()) })) }, { requiredKeys: [] })) }, { requiredKeys: [] }),
      fc.record({ type: maybe(fc.constantFrom('image', 'sticker', 'location', 'contacts', 'reaction', 'button', 'unsupported', 'x')) }, { requiredKeys: [] }),
    );
    const incoming = fc.tuple(said, fc.record({ from, id: maybe(fc.string({ maxLength: 40 })), timestamp: maybe(fc.nat().map(String)), context: maybe(fc.record({ id: maybe(fc.string()) }, { requiredKeys: [] })) }, { requiredKeys: [] }))
      .map(([a, b]) => ({ ...a, ...b }));
    const statusUpdate = fc.record({ id: maybe(fc.string()), status: maybe(fc.constantFrom('sent', 'delivered', 'read', 'failed')), recipient_id: from, errors: maybe(fc.array(fc.record({ code: maybe(fc.integer()) }, { requiredKeys: [] }), { maxLength: 2 })) }, { requiredKeys: [] });
    const value = fc.record({
      messaging_product: maybe(fc.constant('whatsapp')),
      metadata: maybe(fc.record({ phone_number_id: maybe(fc.constantFrom(graph.phoneNumberId, 'another')) }, { requiredKeys: [] })),
      messages: maybe(fc.array(incoming, { maxLength: 3 })),
      statuses: maybe(fc.array(statusUpdate, { maxLength: 2 })),
    }, { requiredKeys: [] });
    const body = fc.oneof(
      fc.record({ object: maybe(fc.constant('whatsapp_business_account')), entry: maybe(fc.array(fc.record({ id: maybe(fc.string()), changes: maybe(fc.array(fc.record({ field: maybe(fc.constant('messages')), value }, { requiredKeys: [] }), { maxLength: 2 })) }, { requiredKeys: [] }), { maxLength: 2 })) }, { requiredKeys: [] })
        .map((b) => JSON.stringify(b)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
    );
    const figures = await withHealthProbe(() =>
      fc.assert(fc.asyncProperty(body, async (b) => (await postNotification(`${base}/whatsapp`, b, APP_SECRET)).status < 500), { numRuns: RUNS.whatsapp, seed: 5 }),
    );
    console.log(JSON.stringify({ fuzz: 'whatsapp', runs: RUNS.whatsapp, ...figures }));
    expect(bot.child.exitCode).toBeNull();
  }, 240_000);

  it(`web chat: ${RUNS.web} generated form posts and page loads, never a 5xx`, async () => {
    const field = fc.oneof(fc.constantFrom('text', 'value', 'csrf', 'action', 'ask', 'v'), fc.string({ maxLength: 10 }));
    const request = fc.record({
      path: fc.oneof(fc.constant(`/c/${inviteToken}`), fc.string({ maxLength: 40 }).map((s) => `/c/${encodeURIComponent(s)}`), fc.constantFrom('/c/', '/c', '/', '/c/%00')),
      method: fc.constantFrom('GET', 'POST'),
      form: fc.dictionary(field, fc.oneof(fc.string({ maxLength: 500 }), fc.constant('y'.repeat(70_000))), { maxKeys: 4 }),
    });
    const figures = await withHealthProbe(() =>
      fc.assert(
        fc.asyncProperty(request, async ({ path, method, form }) => {
          const res = await fetch(`${base}${path}`, {
            method,
            redirect: 'manual',
            ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base }, body: new URLSearchParams(form).toString() } : {}),
          });
          await res.arrayBuffer();
          return res.status < 500;
        }),
        { numRuns: RUNS.web, seed: 3 },
      ),
    );
    console.log(JSON.stringify({ fuzz: 'web', runs: RUNS.web, ...figures }));
    expect(bot.child.exitCode).toBeNull();
  }, 240_000);

  it(`check-in API: ${RUNS.api} generated bodies, never a 5xx`, async () => {
    const body = fc.oneof(
      fc.record({
        flow: maybe(fc.constantFrom('parent-checkin', 'child-checkin', 'nope')),
        caseRef: maybe(fc.oneof(fc.string({ maxLength: 80 }), fc.constant('c'.repeat(5000)))),
        respondent: maybe(fc.record({ role: maybe(fc.constantFrom('parent', 'child')), ageBand: maybe(fc.constantFrom('young', 'teen')), ref: maybe(fc.string()) }, { requiredKeys: [] })),
        locale: maybe(fc.constantFrom('nl', 'fr', 'en', 'de')),
        sendAt: maybe(fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constant('9999-12-31T00:00:00Z'))),
        worker: maybe(fc.record({ firstName: maybe(fc.string({ maxLength: 100 })) }, { requiredKeys: [] })),
        idempotencyKey: maybe(fc.string({ maxLength: 200 })),
      }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
    );
    const figures = await withHealthProbe(() =>
      fc.assert(
        fc.asyncProperty(body, async (b) => {
          const res = await fetch(`${base}/v1/checkins`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` }, body: b });
          await res.arrayBuffer();
          return res.status < 500;
        }),
        { numRuns: RUNS.api, seed: 4 },
      ),
    );
    console.log(JSON.stringify({ fuzz: 'checkin-api', runs: RUNS.api, ...figures }));
    expect(bot.child.exitCode).toBeNull();
  }, 240_000);

  it('leaves every Redis key documented, with its TTL', async () => {
    const { keys } = await auditRetention(redisUrl(DB), []);
    expect(keys).toBeGreaterThan(0);
  }, 60_000);
});
