/**
 * Figures for the Telegram channel, one JSON line each: webhook round trip (POST /telegram → turn saved on Redis
 * → replies sent to the Bot API → 200) p50/p99, and answered items per second, with N chats each completing
 * `parent-full` by buttons at once. Everything is real but Telegram: each bot is its own process
 * (bench/telegram-bot.ts: the core on Redis, grammY behind Fastify on 127.0.0.1), the fake Bot API and the
 * respondents share this process (see bench/telegram-load.ts). Three runs: one bot without pacing (what a
 * process can do), two bots without pacing (updates alternate between them, as behind a load balancer), one
 * bot with the production pacing of ~1 message per second per chat (what Telegram lets one chat see), and one and
 * two bots without pacing on a 3-master Redis Cluster started on loopback.
 *
 * Run: `npx tsx bench/telegram.ts` (REDIS_URL, default the local server; uses and flushes logical database 15).
 * CHATS=50 sets the number of chats; TIMEOUT_MS=180000 bounds each run; RUNS=off,two,paced,cluster picks runs; BOT_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/p'
 * passes node flags to the bot processes (profiling).
 */
import { DEFAULT_PACE } from '../src/channels/telegram/send.js';
import { freshRedis } from '../test/support/redis.js';
import { startCluster } from '../test/support/redis-cluster.js';
import { inviter, percentile, round, runChats, startBot, startFakeBotApi, type BenchRedis } from './telegram-load.js';

const CHATS = Number(process.env.CHATS ?? 50);
const RUNS = (process.env.RUNS ?? 'off,two,paced,cluster').split(',');
const DB = 15;
const FLOW = 'parent-full';
/** A run that takes longer stops and says which chats were waiting for what (paced, 50 chats take ~25 s). */
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 180_000);

async function run(bots: number, pace: { intervalMs: number; burst: number }, db: BenchRedis = DB): Promise<void> {
  if (typeof db === 'number') await (await freshRedis(db)).quit();
  const api = await startFakeBotApi();
  const env = { BENCH_PACE_MS: String(pace.intervalMs), BENCH_PACE_BURST: String(pace.burst) };
  const started = await Promise.all(Array.from({ length: bots }, () => startBot({ api, db, entry: [...(process.env.BOT_FLAGS?.split(' ') ?? []), '--import', 'tsx', 'bench/telegram-bot.ts'], env })));
  const invites = inviter(db);
  try {
    await api.waitForCalls('setWebhook', bots, 30_000);
    const cpu0 = started.map((b) => b.cpuMs());
    const own0 = process.cpuUsage();
    const { latencies, shown, answered, seconds, lost } = await runChats({
      api, urls: started.map((b) => b.url), inviter: invites, chats: CHATS, flow: FLOW, timeoutMs: TIMEOUT_MS,
      explain: () => started.flatMap((b) => b.problems()),
    });
    const label = pace.intervalMs > 0 ? `${pace.intervalMs}ms/burst ${pace.burst}` : 'off';
    const common = { bots, pace: label, chats: CHATS, redis: typeof db === 'number' ? 'server' : 'cluster' };
    console.log(JSON.stringify({ figure: 'telegram_webhook_roundtrip_ms', ...common, updates: latencies.length, p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) }));
    console.log(JSON.stringify({ figure: 'telegram_press_to_next_question_ms', ...common, updates: shown.length, p50: round(percentile(shown, 50)), p99: round(percentile(shown, 99)) }));
    console.log(JSON.stringify({ figure: 'telegram_answered_items_per_second', ...common, answered, seconds: round(seconds), value: round(answered / seconds), lostTurns: lost }));
    // CPU per update: of the bot processes, and of this one (the fake Bot API and the respondents).
    const updates = latencies.length + CHATS;
    const perUpdate = (ms: number) => Math.round((ms / updates) * 100) / 100;
    const botMs = started.reduce((sum, b, i) => sum + b.cpuMs() - cpu0[i]!, 0);
    const own = process.cpuUsage(own0);
    console.log(JSON.stringify({ figure: 'telegram_cpu_ms_per_update', ...common, bot: perUpdate(botMs), fakeAndRespondents: perUpdate((own.user + own.system) / 1000) }));
  } finally {
    await invites.close();
    await Promise.all(started.map((b) => b.stop()));
    await api.close();
  }
}

const NO_PACE = { intervalMs: 0, burst: 1 };
if (RUNS.includes('off')) await run(1, NO_PACE);
if (RUNS.includes('two')) await run(2, NO_PACE);
if (RUNS.includes('paced')) await run(1, DEFAULT_PACE);
if (RUNS.includes('cluster')) {
  // One bot and two without pacing again, on a 3-master cluster on loopback (sharing this machine's CPUs).
  const cluster = await startCluster();
  try {
    await run(1, NO_PACE, { clusterNodes: cluster.nodes });
    await run(2, NO_PACE, { clusterNodes: cluster.nodes });
  } finally {
    await cluster.stop();
  }
}
