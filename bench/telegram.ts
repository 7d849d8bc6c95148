/**
 * Figures for the Telegram channel, one JSON line each: webhook round trip (POST /telegram → turn saved on Redis
 * → replies sent to the Bot API → 200) p50/p99, and answered items per second, with N chats each completing
 * `parent-full` by buttons at once. Everything is real but Telegram: grammY behind Fastify on 127.0.0.1, the
 * runner on Redis, the fake Bot API from test/support. Two runs: without pacing (what the server can do) and with
 * the production pacing of ~1 message per second per chat (what Telegram lets one chat see).
 *
 * Run: `npx tsx bench/telegram.ts` (REDIS_URL, default the local server; uses and flushes logical database 15).
 * CHATS=50 sets the number of chats.
 */
import { DEFAULT_PACE, type Pace } from '../src/channels/telegram-send.js';
import { buttonsOf, startHarness, type Harness, type TgUser } from '../test/channels/telegram-harness.js';

const CHATS = Number(process.env.CHATS ?? 50);
const DB = 15;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** What a hurried respondent presses next: start, the highest answer (no safety net), "rather not", send. */
function nextTap(u: TgUser): string | undefined {
  const codes = buttonsOf(u.keyboardMessage()).map((b) => b.callback_data.slice(b.callback_data.lastIndexOf('|') + 1));
  const answers = codes.filter((c) => c.startsWith('a:'));
  return codes.includes('st') ? 'st' : (answers.at(-1) ?? ['nc', 'sk', 'sd'].find((c) => codes.includes(c)));
}

async function run(label: string, pace: Pace): Promise<void> {
  const h: Harness = await startHarness({ db: DB, pace });
  try {
    const latencies: number[] = [];
    let answered = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CHATS }, async (_, i) => {
      const u = h.user(8_000_000 + i);
      const { token } = await h.invite('parent-full');
      await u.start(token);
      for (let code = nextTap(u); code; code = nextTap(u)) {
        const started = performance.now();
        const res = await u.press(code);
        latencies.push(performance.now() - started);
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
        if (code.startsWith('a:')) answered++;
      }
      if (!u.messages().at(-1)?.text.includes('Bedankt')) throw new Error('a chat did not finish');
    }));
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    console.log(JSON.stringify({ figure: 'telegram_webhook_roundtrip_ms', pace: label, chats: CHATS, updates: latencies.length, p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) }));
    console.log(JSON.stringify({ figure: 'telegram_answered_items_per_second', pace: label, chats: CHATS, answered, seconds: round(seconds), value: round(answered / seconds) }));
  } finally {
    await h.close();
  }
}

await run('off', { intervalMs: 0, burst: 1 });
await run(`${DEFAULT_PACE.intervalMs}ms/burst ${DEFAULT_PACE.burst}`, DEFAULT_PACE);
