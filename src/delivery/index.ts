import type { RedisClient } from '../redis/connect.js';
import type { Log } from './log.js';
import type { Delivery } from './port.js';
import { QueueDelivery } from './queue.js';
import { createSigner } from './sign.js';
import { FileSink } from './sink.js';
import { assertSafeWebhookUrl } from './url.js';

export type { Delivery } from './port.js';
export type { Log } from './log.js';

export interface DeliveryOptions {
  /** ioredis instance; workers need `maxRetriesPerRequest: null`. */
  redis?: RedisClient;
  /** `RESPONSES_WEBHOOK_URL`. */
  url?: string;
  /** `RESPONSES_WEBHOOK_SECRET`, one or more `whsec_…` (several during a key rotation). */
  secrets?: string[];
  /** `SAFETY_WEBHOOK_URL`; safety signals go to `url` when unset. */
  safetyUrl?: string;
  /** `DELIVERY_RETRY_DELAYS_MS`; the ~3-day Standard Webhooks schedule when unset. */
  retryDelaysMs?: number[];
  /** Where the file sink writes (default `data/`). */
  dataDir?: string;
  log: Log;
  /** false for processes that only enqueue (or tests that start workers elsewhere). Default true. */
  startWorkers?: boolean;
  /** Namespace of all Redis keys (default `{feedbackbot:delivery}`; braces are added when missing). */
  prefix?: string;
  /** Per-attempt timeout (default 15 s). */
  timeoutMs?: number;
  /** Parallel deliveries per lane (default 16). */
  concurrency?: number;
  /** BullMQ lock duration (default 30 s); how soon a killed worker's jobs are picked up again. */
  lockMs?: number;
}

/**
 * Redis and a webhook URL → BullMQ queues with signed delivery; otherwise the JSONL file sink. Async because the
 * webhook URLs are checked (https, no link-local or metadata address after DNS) before anything is queued.
 */
export async function createDelivery(opts: DeliveryOptions): Promise<Delivery> {
  if (!opts.redis || !opts.url) {
    const dataDir = opts.dataDir ?? 'data';
    if (opts.url) opts.log.warn({ dataDir }, 'RESPONSES_WEBHOOK_URL needs REDIS_URL for queued delivery; writing responses to JSONL files instead');
    else opts.log.info({ dataDir }, 'no RESPONSES_WEBHOOK_URL: writing responses to JSONL files');
    return new FileSink(dataDir);
  }
  const url = (await assertSafeWebhookUrl(opts.url)).href;
  const safetyUrl = opts.safetyUrl ? (await assertSafeWebhookUrl(opts.safetyUrl, 'SAFETY_WEBHOOK_URL')).href : url;
  const sign = createSigner(opts.secrets ?? []);
  const { log, timeoutMs, concurrency, lockMs } = opts;
  return new QueueDelivery({
    redis: opts.redis,
    prefix: opts.prefix,
    retryDelaysMs: opts.retryDelaysMs,
    log,
    workers: opts.startWorkers === false ? undefined : { urls: { response: url, safety: safetyUrl }, sign, log, timeoutMs, concurrency, lockMs },
  });
}
