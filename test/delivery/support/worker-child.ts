/**
 * A delivery worker in its own process, so a test can SIGKILL it mid-run. Configured by environment;
 * prints "ready" once its workers run, and closes cleanly on SIGTERM.
 */
import { Redis } from 'ioredis';
import { createDelivery } from '../../../src/delivery/index.js';
import { parseRetryDelays } from '../../../src/delivery/schedule.js';

const env = process.env;
const redis = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: null });
const quiet = { info() {}, warn() {}, error() {} };
const delivery = await createDelivery({
  redis,
  url: env.RESPONSES_WEBHOOK_URL,
  secrets: [env.RESPONSES_WEBHOOK_SECRET!],
  retryDelaysMs: parseRetryDelays(env.DELIVERY_RETRY_DELAYS_MS!),
  prefix: env.DELIVERY_PREFIX,
  concurrency: Number(env.DELIVERY_CONCURRENCY),
  lockMs: Number(env.DELIVERY_LOCK_MS),
  log: quiet,
});
process.on('SIGTERM', () => {
  void delivery.close().then(() => {
    redis.disconnect();
    process.exit(0);
  });
});
process.stdout.write('ready\n');
