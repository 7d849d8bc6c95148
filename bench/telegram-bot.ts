/**
 * A bot process for bench/telegram.ts: exactly what `src/main.ts` serves (`createBot`: core on Redis, check-ins,
 * metrics, the one HTTP server, the Telegram webhook), plus one knob main has not:
 * BENCH_PACE_MS / BENCH_PACE_BURST set the per-chat pacing, so the bench can show what the server does
 * without Telegram's ~1 message per second per chat. Configured by the same environment as main.
 */
import { DEFAULT_PACE } from '../src/channels/telegram/send.js';
import { loadConfig } from '../src/config.js';
import { createBot } from '../src/http/bot.js';
import { createLogger } from '../src/log.js';

const config = loadConfig();
const pace = {
  intervalMs: Number(process.env.BENCH_PACE_MS ?? DEFAULT_PACE.intervalMs),
  burst: Number(process.env.BENCH_PACE_BURST ?? DEFAULT_PACE.burst),
};
const bot = await createBot(config, createLogger({ level: config.LOG_LEVEL }), { pace });
await bot.listen();
await new Promise((resolve) => process.once('SIGTERM', resolve));
await bot.shutdown();
process.exit(0);
