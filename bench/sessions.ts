/**
 * Figures for the Redis session store, one JSON line each: memory per stored conversation and per channel record
 * kept beside it, round trips per turn, and turns per second with 50 conversations at once, with states deflated
 * (the default) and as plain JSON — next to the floor, a bare GET + SET of the same size at the same concurrency,
 * so the store's own cost shows as a ratio.
 * Run: `npx tsx bench/sessions.ts` (REDIS_URL, default the local server's database 0). Writes under a fresh prefix
 * and deletes what it wrote.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { chatRecords } from '../src/channels/telegram/record.js';
import { redisTeamsRecords } from '../src/channels/teams/records.js';
import { checkRedis } from '../src/sessions/check.js';
import { decodeStored, encodeState } from '../src/sessions/codec.js';
import { RedisSessionStore } from '../src/sessions/redis.js';
import { countCommands, scanKeys } from '../test/sessions/helpers.js';

const CONVERSATIONS = 200;
const ANSWERS = 8;
const CONCURRENT = 50;
const DURATION_MS = 4000;
const TTL_SECONDS = 3600;

/** The store as configured by default (states deflated) and with plain JSON states, side by side. */
interface Stores {
  deflated: RedisSessionStore;
  json: RedisSessionStore;
}

/** A conversation mid-questionnaire as the engine would snapshot it: 8 of 12 items answered. */
function midQuestionnaire(): object {
  const startedAt = Date.parse('2026-11-29T09:00:00Z');
  return {
    flow: { id: 'srs-ouders', version: 3, hash: 'sha256-9f2c1e7a4b0d3c8e6f5a2b1c0d9e8f7a' },
    checkinId: randomUUID(),
    locale: 'nl',
    channel: 'telegram',
    respondent: { role: 'parent', ageBand: '18+' },
    machine: { value: { asking: 'item9' }, context: { retries: 0, reminded: 0 } },
    startedAt: new Date(startedAt).toISOString(),
    answers: Array.from({ length: ANSWERS }, (_, i) => ({
      item: `item${i + 1}`,
      value: (i % 5) + 1,
      score: (i % 5) + 1,
      label: ['helemaal niet', 'niet', 'neutraal', 'wel', 'helemaal wel'][i % 5],
      answeredAt: new Date(startedAt + (i + 1) * 45_000).toISOString(),
    })),
  };
}

function print(figure: Record<string, unknown>): void {
  console.log(JSON.stringify(figure));
}

const usage = async (redis: Redis, key: string) => Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
const pseudonymKey = (channel: string) => `${channel}:${randomBytes(16).toString('base64url').slice(0, 22)}`;

async function memory(redis: Redis, stores: Stores, prefix: string): Promise<void> {
  const state = midQuestionnaire();
  const bytes = async (store: RedisSessionStore) => {
    const keys = Array.from({ length: CONVERSATIONS }, () => pseudonymKey('tg'));
    for (const key of keys) {
      await store.save(key, state, 0, TTL_SECONDS);
      for (let i = 0; i < ANSWERS; i++) await store.seen(key, String(900_000_000 + i));
    }
    let conv = 0;
    let ids = 0;
    for (const key of keys) {
      conv += await usage(redis, `${prefix}:{${key}}:conv`);
      ids += await usage(redis, `${prefix}:{${key}}:ids`);
    }
    return { conv: Math.round(conv / CONVERSATIONS), ids: Math.round(ids / CONVERSATIONS) };
  };
  const deflated = await bytes(stores.deflated);
  const json = await bytes(stores.json);
  print({
    figure: 'redis_bytes_per_conversation',
    stateJsonBytes: JSON.stringify(state).length,
    conversationState: deflated.conv,
    conversationStateAsJson: json.conv,
    updateIds: deflated.ids,
    updateIdsCount: ANSWERS,
    total: deflated.conv + deflated.ids,
  });
}

/**
 * What the channels keep per conversation beside its state, written through their own modules: Telegram's chat
 * record with the last question, and Teams' conversation reference (ids of the lengths Teams uses: personal
 * conversation ids of ~130 characters, user ids of ~80) with the last card.
 */
async function channelRecords(redis: Redis, prefix: string): Promise<void> {
  const question = 'In welke mate voelde u zich gehoord door de begeleider tijdens het laatste gesprek?';
  const telegram = chatRecords({ redis, ttlSeconds: TTL_SECONDS, prefix });
  const teams = redisTeamsRecords(redis, TTL_SECONDS);
  const id = (n: number) => randomBytes(n).toString('base64url').slice(0, n);
  let tg = 0;
  let ms = 0;
  const teamsKeys: string[] = [];
  for (let i = 0; i < CONVERSATIONS; i++) {
    const tgKey = pseudonymKey('tg');
    await telegram.put(tgKey, { chat: 6_100_000_000 + i, lng: 'nl', checkinId: `chk_${id(22)}`, last: { id: 4000 + i, ask: 'p_heard', text: question, open: true } });
    tg += await usage(redis, `${prefix}:{${tgKey}}:tg`);
    const msKey = pseudonymKey('teams');
    teamsKeys.push(msKey);
    await teams.setRef(msKey, {
      channelId: 'msteams',
      serviceUrl: 'https://smba.trafficmanager.net/emea/',
      conversation: { id: `a:1${id(128)}`, conversationType: 'personal', tenantId: randomUUID() },
      user: { id: `29:1${id(80)}`, aadObjectId: randomUUID() },
      bot: { id: `28:${randomUUID()}` },
    });
    await teams.setCard(msKey, { id: `1${Date.now()}${i}`, ask: 'p_heard', text: question, progress: '3/17' });
    ms += await usage(redis, `fb:{${msKey}}:teams`);
  }
  // The Teams records module has no prefix option: its keys are removed one by one here.
  for (const key of teamsKeys) await teams.delete(key);
  print({ figure: 'redis_bytes_per_channel_record', telegramChat: Math.round(tg / CONVERSATIONS), teamsReference: Math.round(ms / CONVERSATIONS) });
}

/** CPU the store spends on a state besides JSON: deflating it for a save, inflating it for a load (µs, mean). */
function codec(): void {
  const json = JSON.stringify(midQuestionnaire());
  const runs = 20_000;
  let started = performance.now();
  for (let i = 0; i < runs; i++) encodeState(json);
  const encodeUs = ((performance.now() - started) * 1000) / runs;
  const stored = Buffer.concat([Buffer.from('1 '), encodeState(json)]);
  started = performance.now();
  for (let i = 0; i < runs; i++) decodeStored(stored);
  const decodeUs = ((performance.now() - started) * 1000) / runs;
  started = performance.now();
  for (let i = 0; i < runs; i++) JSON.parse(json);
  const parseUs = ((performance.now() - started) * 1000) / runs;
  print({ figure: 'state_codec_us', jsonBytes: json.length, storedBytes: stored.length, encodeUs: Number(encodeUs.toFixed(1)), decodeUs: Number(decodeUs.toFixed(1)), jsonParseUs: Number(parseUs.toFixed(1)) });
}

async function roundTrips(redis: Redis, store: RedisSessionStore): Promise<void> {
  const key = pseudonymKey('tg');
  await store.save(key, midQuestionnaire(), 0, TTL_SECONDS); // the scripts are known to the server from here on
  await store.claim(key, 'warm-up');
  await store.load(key);
  const counter = countCommands(redis);
  const claimed = await store.claim(key, 'update-1');
  await store.save(key, midQuestionnaire(), claimed.stored?.rev ?? 0, TTL_SECONDS);
  const claimSave = counter.count;
  counter.reset();
  const current = await store.load(key);
  await store.save(key, midQuestionnaire(), current?.rev ?? 0, TTL_SECONDS);
  const loadSave = counter.count;
  counter.reset();
  await store.seen(key, 'update-2');
  print({ figure: 'round_trips', perTurn: claimSave, perLoadAndSave: loadSave, perSeen: counter.count });
}

/** Runs `op` in CONCURRENT loops for DURATION_MS, each loop on its own key; latencies of whole ops. */
async function measure(name: string, op: (key: string, loop: number) => Promise<unknown>): Promise<{ perSecond: number; p50Ms: number; p99Ms: number }> {
  const latencies: number[] = [];
  const end = Date.now() + DURATION_MS;
  await Promise.all(
    Array.from({ length: CONCURRENT }, async (_, i) => {
      const key = pseudonymKey('tg');
      for (let loop = 0; Date.now() < end; loop++) {
        const started = performance.now();
        await op(key, i * 1_000_000 + loop);
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number(latencies[Math.floor(q * (latencies.length - 1))]?.toFixed(2));
  const figure = { perSecond: Math.round(latencies.length / (DURATION_MS / 1000)), p50Ms: at(0.5), p99Ms: at(0.99) };
  print({ figure: name, concurrentConversations: CONCURRENT, ...figure });
  return figure;
}

async function throughput(redis: Redis, stores: Stores, prefix: string): Promise<void> {
  const state = midQuestionnaire();
  let conflicts = 0;
  const rates: Record<string, number> = {};
  for (const [name, store] of Object.entries(stores)) {
    rates[`loadSave_${name}`] = (await measure(`load_save_throughput_${name}`, async (key) => {
      const current = await store.load(key);
      if ((await store.save(key, state, current?.rev ?? 0, TTL_SECONDS)) === 'conflict') conflicts++;
    })).perSecond;
    rates[`claimSave_${name}`] = (await measure(`claim_save_throughput_${name}`, async (key, n) => {
      const { stored } = await store.claim(key, String(n));
      if ((await store.save(key, state, stored?.rev ?? 0, TTL_SECONDS)) === 'conflict') conflicts++;
    })).perSecond;
  }
  // The floor: the same two round trips with nothing around them, the value as big as a stored (deflated) state.
  const [stored] = await scanKeys(redis, `${prefix}:{*}:conv`);
  const value = (await redis.getBuffer(stored!))!;
  const floor = await measure('floor_get_set_throughput', async (key) => {
    await redis.getBuffer(`${prefix}:floor:${key}`);
    await redis.set(`${prefix}:floor:${key}`, value, 'EX', TTL_SECONDS);
  });
  print({
    figure: 'turn_storage_vs_floor',
    conflicts,
    ...Object.fromEntries(Object.entries(rates).map(([name, rate]) => [`${name}OverFloor`, Number((rate / floor.perSecond).toFixed(2))])),
  });
}

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `bench-${randomUUID()}`;
  const stores: Stores = { deflated: new RedisSessionStore({ redis, prefix }), json: new RedisSessionStore({ redis, prefix, deflate: false }) };
  try {
    print({ figure: 'redis', ...(await checkRedis(redis)) });
    await memory(redis, stores, prefix);
    await channelRecords(redis, prefix);
    codec();
    await roundTrips(redis, stores.deflated);
    await throughput(redis, stores, prefix);
  } finally {
    const written = await scanKeys(redis, `${prefix}:*`);
    for (let i = 0; i < written.length; i += 1000) await redis.unlink(...written.slice(i, i + 1000));
    await redis.quit();
  }
}

await main();
