/**
 * Start-up and memory of the real server (`node dist/main.js`, so `npm run build` first) with Telegram in
 * webhook mode against the fake Bot API, on Redis; one JSON line each:
 * - start-up: spawn → first `GET /readyz` 200, and spawn → webhook registered (setWebhook reaches the Bot API);
 * - RSS idle (2 s after ready), under load (sampled every 250 ms while 50 chats each complete `parent-full`
 *   by buttons, with the production pacing), and idle again after;
 * - the same start-up and idle RSS with Teams configured too (TEAMS_ALLOW_UNAUTHENTICATED, NODE_ENV=test),
 *   which loads botbuilder: what Teams costs a Telegram-only deployment that does not configure it.
 *
 * Run: `npm run build && npx tsx bench/startup.ts` (REDIS_URL; uses and flushes logical database 15).
 * CHATS=50 sets the number of chats; TIMEOUT_MS=180000 bounds the load.
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freshRedis } from '../test/support/redis.js';
import { inviter, ROOT, round, runChats, startBot, startFakeBotApi } from './telegram-load.js';

const CHATS = Number(process.env.CHATS ?? 50);
const DB = 15;
const FLOW = 'parent-full';
/** The paced load (~25 s for 50 chats) stops past this and says which chats were waiting for what. */
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 180_000);
if (!existsSync(`${ROOT}dist/main.js`)) throw new Error('dist/main.js is missing: run `npm run build` first');

async function measure(label: string, env: Record<string, string>, load: boolean): Promise<void> {
  await (await freshRedis(DB)).quit();
  const api = await startFakeBotApi();
  const bot = await startBot({ api, db: DB, entry: ['dist/main.js'], env });
  try {
    const [hook] = await api.waitForCalls('setWebhook', 1, 30_000);
    console.log(JSON.stringify({ figure: 'startup_ms', channels: label, ready: Math.round(bot.readyMs), webhookRegistered: hook!.at - bot.spawnedAt }));
    await sleep(2000);
    const idle = bot.rssMb();
    if (!load) {
      console.log(JSON.stringify({ figure: 'rss_mb', channels: label, idle: round(idle) }));
      return;
    }
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(bot.rssMb()), 250);
    const invites = inviter(DB);
    let lost = 0;
    try {
      ({ lost } = await runChats({ api, urls: [bot.url], inviter: invites, chats: CHATS, flow: FLOW, timeoutMs: TIMEOUT_MS, explain: bot.problems }));
    } finally {
      clearInterval(sampler);
      await invites.close();
    }
    await sleep(2000);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    console.log(JSON.stringify({ figure: 'rss_mb', channels: label, idle: round(idle), loadChats: CHATS, loadMean: round(mean), loadPeak: round(Math.max(...samples)), idleAfter: round(bot.rssMb()), lostTurns: lost }));
  } finally {
    await bot.stop();
    await api.close();
  }
}

await measure('telegram', {}, true);
await measure('telegram+teams', { NODE_ENV: 'test', TEAMS_ALLOW_UNAUTHENTICATED: 'true' }, false);
