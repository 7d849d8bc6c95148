/**
 * Side by side, in one run, with the same black-box driver (bench/telegram-load.ts: a fake Bot API per bot,
 * webhooks posted to the bot, one respondent per chat pressing each question's button), three bots, each its
 * own process:
 * - feedbackbot as shipped: `node dist/main.js`, NODE_ENV=production, default pacing, flow `parent-full`
 *   (/start, 20 presses: start, 15 scored items, 3 skipped open questions, send);
 * - the peer: grammY + @grammyjs/conversations 2.x + @grammyjs/storage-redis (bench/peer-bot.ts), 20 five-point
 *   items (/start, 20 presses);
 * - the control: plain grammY, no storage (bench/control-bot.ts), the same 20 items.
 * A "turn" is one button press: the webhook that answers it and says what follows. The surveys differ in
 * shape, so the ratios compare turns (each is one question answered or one step taken); answered scale items
 * are printed too.
 *
 * Runs, interleaved (every bot does one run before any bot does the next):
 * - solo: SOLO chats one after the other (webhook p50 with nothing else going on);
 * - closed: CHATS chats, AT_ONCE at a time, no think time (turns/s, CPU per turn, p50/p99, item 1 vs last item);
 * - open: CHATS chats arriving every OPEN_EVERY_MS, each reading THINK_MS before every press (a paced open loop);
 * - half: HALF chats stopped halfway through, then Redis MEMORY USAGE of what their conversations added.
 * Idle RSS is read 2 s after the bots are ready, idle CPU over the next 5 s. Every JSON line carries the
 * 1-minute load average.
 *
 * Run: `npm run bench:peer` (builds dist/ and dist/bench/; REDIS_URL, uses and flushes databases 14 and 15).
 * CHATS=50 AT_ONCE=10 SOLO=2 HALF=10 OPEN_EVERY_MS=200 THINK_MS=1000 TIMEOUT_MS=300000 (per run).
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { freshRedis } from '../test/support/redis.js';
import { inviter, percentile, ROOT, round, runChats, startBot, startFakeBotApi, type BotProcess, type FakeBotApi, type Inviter, type LoadOptions } from './telegram-load.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const CHATS = num('CHATS', 50);
const AT_ONCE = num('AT_ONCE', 10);
const SOLO = num('SOLO', 2);
const HALF = num('HALF', 10);
const OPEN_EVERY_MS = num('OPEN_EVERY_MS', 200);
const THINK_MS = num('THINK_MS', 1000);
const TIMEOUT_MS = num('TIMEOUT_MS', 300_000);
/** How long the idle bots' CPU is watched (the 10 ms ticks of /proc need a few seconds). */
const IDLE_CPU_MS = 5_000;

for (const file of ['dist/main.js', 'dist/bench/peer-bot.js', 'dist/bench/control-bot.js']) {
  if (!existsSync(`${ROOT}${file}`)) throw new Error(`${file} is missing: run \`npm run build && npx tsc -p bench/tsconfig.peers.json\` first`);
}

interface Subject {
  name: 'feedbackbot' | 'peer' | 'control';
  entry: string[];
  /** Its own Redis database (flushed first), or none. */
  db?: number;
  flow: string;
  /** Answered scale items per completed chat. */
  items: number;
  invites: Inviter;
  api: FakeBotApi;
  bot: BotProcess;
  redis?: Redis;
}

/** The peer and the control take any `/start` payload. */
const anyToken: Inviter = { invite: async () => 'bench-peer-survey', close: async () => undefined };
const load1 = () => round(loadavg()[0]!);

async function start(def: Pick<Subject, 'name' | 'entry' | 'db' | 'flow' | 'items' | 'invites'>): Promise<Subject> {
  const redis = def.db === undefined ? undefined : await freshRedis(def.db);
  const api = await startFakeBotApi();
  const bot = await startBot({ api, db: def.db ?? 0, entry: def.entry });
  await api.waitForCalls('setWebhook', 1, 30_000);
  return { ...def, api, bot, ...(redis ? { redis } : {}) };
}

const subjects: Subject[] = [];
try {
  // One after the other, so each start-up has the machine to itself.
  subjects.push(await start({ name: 'feedbackbot', entry: ['dist/main.js'], db: 15, flow: 'parent-full', items: 15, invites: inviter(15) }));
  subjects.push(await start({ name: 'peer', entry: ['dist/bench/peer-bot.js'], db: 14, flow: 'survey', items: 20, invites: anyToken }));
  subjects.push(await start({ name: 'control', entry: ['dist/bench/control-bot.js'], flow: 'survey', items: 20, invites: anyToken }));
  await sleep(2000);
  const idleRss = subjects.map((s) => round(s.bot.rssMb()));
  // Background work with nothing to do (timers, queues), which a paced run's CPU per turn includes.
  const idleCpu0 = subjects.map((s) => s.bot.cpuMs());
  await sleep(IDLE_CPU_MS);
  subjects.forEach((s, i) => console.log(JSON.stringify({
    figure: 'peer_idle', bot: s.name, rssMb: idleRss[i], cpuMsPerS: round(((s.bot.cpuMs() - idleCpu0[i]!) / IDLE_CPU_MS) * 1000), load: load1(),
  })));

  type Run = { name: string; opts: Omit<LoadOptions, 'api' | 'urls' | 'inviter' | 'flow' | 'timeoutMs' | 'explain'> };
  const runs: Run[] = [
    { name: 'solo', opts: { chats: SOLO, concurrency: 1, firstChat: 8_100_000 } },
    { name: 'closed', opts: { chats: CHATS, concurrency: AT_ONCE, firstChat: 8_200_000 } },
    { name: 'open', opts: { chats: CHATS, startEveryMs: OPEN_EVERY_MS, thinkMs: THINK_MS, firstChat: 8_300_000 } },
  ];
  const results = new Map<string, Record<string, number>>();
  for (const run of runs) {
    for (const s of subjects) {
      const cpu0 = s.bot.cpuMs();
      const load = load1();
      const r = await runChats({
        ...run.opts, api: s.api, urls: [s.bot.url], inviter: s.invites, flow: s.flow, timeoutMs: TIMEOUT_MS,
        explain: () => [`(${s.name}, run ${run.name})`, ...s.bot.problems()],
      });
      const cpu = s.bot.cpuMs() - cpu0;
      const p50 = (xs: number[] | undefined) => round(percentile([...(xs ?? [0])].sort((a, b) => a - b), 50));
      const figures = {
        turnsPerS: round(r.presses / r.seconds), itemsPerS: round(r.answered / r.seconds),
        cpuMsPerTurn: Math.round((cpu / r.presses) * 100) / 100, cpuMsPerItem: Math.round((cpu / r.answered) * 100) / 100,
        p50: round(percentile(r.latencies, 50)), p99: round(percentile(r.latencies, 99)),
        shownP50: round(percentile(r.shown, 50)), shownP99: round(percentile(r.shown, 99)),
        item1P50: p50(r.byItem[0]), lastItemP50: p50(r.byItem[s.items - 1]),
      };
      results.set(`${s.name}/${run.name}`, figures);
      console.log(JSON.stringify({
        figure: 'peer_run', bot: s.name, run: run.name, ...run.opts, presses: r.presses, answered: r.answered, lostTurns: r.lost, pressedAgain: r.repeats, seconds: round(r.seconds),
        ...figures, lastItem: s.items, load: [load, load1()],
      }));
    }
  }

  // Halfway: what the bot keeps in Redis per open conversation, as the growth while HALF chats get halfway.
  const bytes = new Map<string, number>();
  for (const s of subjects.filter((x) => x.redis)) {
    const tokens = await Promise.all(Array.from({ length: HALF }, () => s.invites.invite(s.flow)));
    const before = await redisBytes(s.redis!);
    await runChats({
      api: s.api, urls: [s.bot.url], flow: s.flow, chats: HALF, firstChat: 8_400_000, stopAfterItems: Math.ceil(s.items / 2), timeoutMs: TIMEOUT_MS,
      inviter: { invite: async () => tokens.shift()!, close: async () => undefined }, explain: s.bot.problems,
    });
    const after = await redisBytes(s.redis!);
    const perConversation = Math.round((after.bytes - before.bytes) / HALF);
    bytes.set(s.name, perConversation);
    console.log(JSON.stringify({ figure: 'peer_redis_bytes_per_open_conversation', bot: s.name, chats: HALF, answeredEach: Math.ceil(s.items / 2), value: perConversation, keysAdded: after.keys - before.keys }));
  }

  // Ratios of the shipped bot to the peer and to the control, and the targets of issue 22.
  const fb = (run: string) => results.get(`feedbackbot/${run}`)!;
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  for (const vs of ['peer', 'control'] as const) {
    const other = (run: string) => results.get(`${vs}/${run}`)!;
    console.log(JSON.stringify({
      figure: 'peer_ratio', of: 'feedbackbot', vs,
      closedTurnsPerS: ratio(fb('closed').turnsPerS!, other('closed').turnsPerS!), closedItemsPerS: ratio(fb('closed').itemsPerS!, other('closed').itemsPerS!),
      openTurnsPerS: ratio(fb('open').turnsPerS!, other('open').turnsPerS!),
      cpuPerTurn: ratio(fb('closed').cpuMsPerTurn!, other('closed').cpuMsPerTurn!), cpuPerItem: ratio(fb('closed').cpuMsPerItem!, other('closed').cpuMsPerItem!),
      soloP50: ratio(fb('solo').p50!, other('solo').p50!), closedP50: ratio(fb('closed').p50!, other('closed').p50!), closedP99: ratio(fb('closed').p99!, other('closed').p99!),
      openP50: ratio(fb('open').p50!, other('open').p50!), openP99: ratio(fb('open').p99!, other('open').p99!),
      ...(bytes.has(vs) ? { redisPerConversation: ratio(bytes.get('feedbackbot')!, bytes.get(vs)!) } : {}),
    }));
  }
  const control = (run: string) => results.get(`control/${run}`)!;
  const targets: Array<[string, number, string, boolean]> = [
    ['turns/s closed loop ≥ 3× the peer', ratio(fb('closed').turnsPerS!, results.get('peer/closed')!.turnsPerS!), '× the peer', fb('closed').turnsPerS! >= 3 * results.get('peer/closed')!.turnsPerS!],
    ['webhook p50 one chat at a time ≤ 1.5× the control', ratio(fb('solo').p50!, control('solo').p50!), '× the control', fb('solo').p50! <= 1.5 * control('solo').p50!],
    ['CPU per turn ≤ 1.5× the control', ratio(fb('closed').cpuMsPerTurn!, control('closed').cpuMsPerTurn!), '× the control', fb('closed').cpuMsPerTurn! <= 1.5 * control('closed').cpuMsPerTurn!],
    ['last item ≤ 1.1× item 1 (p50, closed loop)', ratio(fb('closed').lastItemP50!, fb('closed').item1P50!), '× item 1', fb('closed').lastItemP50! <= 1.1 * fb('closed').item1P50!],
    ['Redis per open conversation ≤ 2 KB', bytes.get('feedbackbot')!, 'bytes', bytes.get('feedbackbot')! <= 2048],
    ['idle RSS ≤ 120 MB (2 s after ready)', idleRss[0]!, 'MB', idleRss[0]! <= 120],
  ];
  for (const [target, value, unit, met] of targets) console.log(JSON.stringify({ figure: 'peer_target', target, value, unit, met }));
} finally {
  for (const s of subjects) {
    await s.bot.stop();
    await s.api.close();
    await s.invites.close();
    await s.redis?.quit();
  }
}

/** Every key of the database and the bytes Redis uses for it (MEMORY USAGE, all samples). */
async function redisBytes(redis: Redis): Promise<{ keys: number; bytes: number }> {
  let keys = 0;
  let bytes = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of batch) {
      keys++;
      bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) || 0;
    }
  } while (cursor !== '0');
  return { keys, bytes };
}
