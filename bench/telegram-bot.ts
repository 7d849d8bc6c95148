/**
 * A bot process for bench/telegram.ts: what `src/main.ts` serves with Telegram configured (core on Redis,
 * check-ins, the one HTTP server with /readyz, the Telegram webhook), plus one knob main has not:
 * BENCH_PACE_MS / BENCH_PACE_BURST set the per-chat pacing, so the bench can show what the server does
 * without Telegram's ~1 message per second per chat. Configured by the same environment as main.
 */
import { createCore } from '../src/app.js';
import { DEFAULT_PACE } from '../src/channels/telegram-send.js';
import { createTelegramChannel } from '../src/channels/telegram.js';
import { createCheckinsFor, type CheckinsWiring } from '../src/checkins/index.js';
import { loadConfig } from '../src/config.js';
import { createServer } from '../src/http/server.js';
import { createLogger } from '../src/log.js';

const config = loadConfig();
const log = createLogger({ level: config.LOG_LEVEL });
let wiring: CheckinsWiring | undefined;
const core = await createCore(config, log, { onEvents: async (key, events, state) => wiring?.onEvents(key, events, state) });
wiring = createCheckinsFor(core);
const app = createServer({ ready: [async () => (await core.redis!.ping()) === 'PONG'] });
const pace = {
  intervalMs: Number(process.env.BENCH_PACE_MS ?? DEFAULT_PACE.intervalMs),
  burst: Number(process.env.BENCH_PACE_BURST ?? DEFAULT_PACE.burst),
};
const telegram = createTelegramChannel({
  core, app, checkins: wiring.checkins, token: config.TELEGRAM_BOT_TOKEN!, secret: config.TELEGRAM_WEBHOOK_SECRET,
  apiRoot: config.TELEGRAM_API_ROOT, publicUrl: config.PUBLIC_URL, pace,
});
await app.listen({ port: config.PORT, host: config.HOST });
await telegram.start();
await new Promise((resolve) => process.once('SIGTERM', resolve));
await telegram.stop();
await app.close();
await core.close();
process.exit(0);
