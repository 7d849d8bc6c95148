/**
 * Figures for the Redis session store, one JSON line each: memory per stored conversation, round trips per
 * turn, turns per second with 50 conversations at once. Run: `npx tsx bench/sessions.ts` (REDIS_URL, default
 * the local server's database 0). Writes under a fresh prefix and deletes what it wrote.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { checkRedis } from '../src/sessions/check.js';
import { RedisSessionStore } from '../src/sessions/redis.js';
import { countCommands, scanKeys } from '../test/sessions/helpers.js';

const CONVERSATIONS = 200;
const ANSWERS = 8;
const CONCURRENT = 50;
const DURATION_MS = 5000;
const TTL_SECONDS = 3600;

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

async function memory(redis: Redis, store: RedisSessionStore, prefix: string): Promise<void> {
  const state = midQuestionnaire();
  const keys = Array.from({ length: CONVERSATIONS }, () => randomUUID());
  for (const key of keys) {
    await store.save(key, state, 0, TTL_SECONDS);
    for (let i = 0; i < ANSWERS; i++) await store.seen(key, String(900_000_000 + i));
  }
  const usage = async (key: string) => Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
  let conv = 0;
  let seen = 0;
  let index = 0;
  for (const key of keys) {
    conv += await usage(`${prefix}:{${key}}:conv`);
    index += await usage(`${prefix}:{${key}}:seen`);
    for (let i = 0; i < ANSWERS; i++) seen += await usage(`${prefix}:{${key}}:seen:${900_000_000 + i}`);
  }
  print({
    figure: 'redis_bytes_per_conversation',
    stateJsonBytes: JSON.stringify(state).length,
    conversationHash: Math.round(conv / CONVERSATIONS),
    seenKeys: Math.round(seen / CONVERSATIONS),
    seenKeysCount: ANSWERS,
    seenList: Math.round(index / CONVERSATIONS),
    total: Math.round((conv + seen + index) / CONVERSATIONS),
  });
}

async function roundTrips(redis: Redis, store: RedisSessionStore): Promise<void> {
  const key = randomUUID();
  await store.save(key, midQuestionnaire(), 0, TTL_SECONDS); // the script is known to the server from here on
  const counter = countCommands(redis);
  const current = await store.load(key);
  await store.save(key, midQuestionnaire(), current?.rev ?? 0, TTL_SECONDS);
  const loadSave = counter.count;
  counter.reset();
  await store.seen(key, 'update-1');
  print({ figure: 'round_trips', perLoadAndSave: loadSave, perSeen: counter.count });
}

async function throughput(store: RedisSessionStore): Promise<void> {
  const state = midQuestionnaire();
  const latencies: number[] = [];
  let conflicts = 0;
  const end = Date.now() + DURATION_MS;
  await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      const key = randomUUID();
      while (Date.now() < end) {
        const started = performance.now();
        const current = await store.load(key);
        if ((await store.save(key, state, current?.rev ?? 0, TTL_SECONDS)) === 'conflict') conflicts++;
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number(latencies[Math.floor(q * (latencies.length - 1))]?.toFixed(2));
  print({
    figure: 'load_save_throughput',
    concurrentConversations: CONCURRENT,
    loadSavePerSecond: Math.round(latencies.length / (DURATION_MS / 1000)),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    conflicts,
  });
}

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `bench-${randomUUID()}`;
  const store = new RedisSessionStore({ redis, prefix });
  try {
    print({ figure: 'redis', ...(await checkRedis(redis)) });
    await memory(redis, store, prefix);
    await roundTrips(redis, store);
    await throughput(store);
  } finally {
    const written = await scanKeys(redis, `${prefix}:*`);
    for (let i = 0; i < written.length; i += 1000) await redis.unlink(...written.slice(i, i + 1000));
    await redis.quit();
  }
}

await main();
