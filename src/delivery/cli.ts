/**
 * Operator commands (`npm run deliveries -- <command>`), against the queues named by REDIS_URL:
 *   status            counts per lane (waiting, delayed, active, failed), dead letters and 410-gone endpoints, as JSON
 *   replay [id …]     puts dead letters (all, or these ids) and failed jobs back on their queue; lifts 410 stops
 *   export            undelivered documents as JSONL on stdout, for hand delivery
 */
import { loadConfig } from '../config.js';
import { connectRedis } from '../redis/connect.js';
import { pathToFileURL } from 'node:url';
import { QueueDelivery } from './queue.js';
import { parseRetryDelays } from './schedule.js';

const USAGE = 'usage: npm run deliveries -- status | replay [id …] | export';

/** Runs one command; returns the exit code. Output goes through `out`, one line per call. */
export async function runCli(argv: readonly string[], admin: QueueDelivery, out: (line: string) => void): Promise<number> {
  const [command, ...ids] = argv;
  switch (command) {
    case 'status':
      out(JSON.stringify(await admin.counts()));
      return 0;
    case 'replay':
      out(`re-queued ${await admin.replay(ids.length > 0 ? ids : undefined)}`);
      return 0;
    case 'export':
      for (const doc of await admin.undelivered()) out(JSON.stringify(doc));
      return 0;
    default:
      out(USAGE);
      return 2;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const redis = connectRedis(config, { maxRetriesPerRequest: 1 });
  if (!redis) {
    console.error('REDIS_URL is not set (nor REDIS_CLUSTER_NODES): responses go to the JSONL file in data/ and nothing is queued.');
    process.exitCode = 1;
    return;
  }
  const delays = process.env.DELIVERY_RETRY_DELAYS_MS;
  const log = { info() {}, warn() {}, error: (obj: object, msg?: string) => console.error(msg, obj) };
  const admin = new QueueDelivery({ redis, log, retryDelaysMs: delays ? parseRetryDelays(delays) : undefined });
  try {
    process.exitCode = await runCli(process.argv.slice(2), admin, (line) => process.stdout.write(`${line}\n`));
  } finally {
    await admin.close();
    redis.disconnect();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
