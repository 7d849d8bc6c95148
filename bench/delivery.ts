/**
 * Delivery figures: `npx tsx bench/delivery.ts` (Redis at REDIS_URL, default redis://127.0.0.1:6379/2).
 * 1. live: workers running, N responses enqueued at once → signed deliveries per second, enqueue to receipt.
 * 2. backlog: 10,000 responses queued with no worker running, then one worker process starts → drain time.
 * The receiver is node:http on 127.0.0.1 in this process; it checks every 100th signature with `standardwebhooks`.
 * Keys live under a throw-away prefix and are deleted afterwards.
 */
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { createDelivery } from '../src/delivery/index.js';
import type { ResponseDocument } from '../src/survey/payload.js';

const SECRET = `whsec_${Buffer.from(randomUUID()).toString('base64')}`;
const LIVE = Number(process.env.BENCH_LIVE ?? 5_000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const quiet = { info() {}, warn() {}, error() {} };

function doc(i: number): ResponseDocument {
  const at = new Date().toISOString();
  return {
    type: 'response.completed',
    id: `bench_${i}_${randomUUID()}`,
    checkinId: `chk_${i}`,
    caseRef: null,
    flow: { id: 'parent-checkin', version: 1, hash: `sha256:${'0'.repeat(64)}` },
    respondent: { role: 'parent', ageBand: null, pseudonym: `ps_${i}` },
    locale: 'nl',
    channel: 'bench',
    startedAt: at,
    completedAt: at,
    answers: Array.from({ length: 8 }, (_, k) => ({ item: `q${k}`, value: 3, status: 'answered' as const, score: 50, label: 'Soms', answeredAt: at })),
    scores: { alliance: { score: 50, answered: 8, of: 8 } },
    flags: { lowSafety: false, safetyConcern: false, lowFidelity: false },
  };
}

/** Counts signed POSTs; resolves `waitFor(n)` once n distinct ids have arrived. */
async function startReceiver() {
  const seen = new Set<string>();
  let checked = 0;
  let bad = 0;
  let waiter: { n: number; resolve: () => void } | undefined;
  const webhook = new Webhook(SECRET);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      if (seen.size % 100 === 0) {
        checked++;
        try {
          webhook.verify(Buffer.concat(chunks).toString(), req.headers as Record<string, string>);
        } catch {
          bad++;
        }
      }
      seen.add(id);
      res.writeHead(204).end();
      if (waiter && seen.size >= waiter.n) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    waitFor: (n: number) => new Promise<void>((resolve) => (seen.size >= n ? resolve() : (waiter = { n, resolve }))),
    reset: () => seen.clear(),
    checks: () => ({ checked, bad }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/2', { maxRetriesPerRequest: null });
  const prefix = `bench-delivery:${randomUUID()}`;
  const receiver = await startReceiver();
  const opts = { redis, url: receiver.url, secrets: [SECRET], prefix, log: quiet, concurrency: CONCURRENCY };
  try {
    const live = await createDelivery(opts);
    let t0 = performance.now();
    await Promise.all(Array.from({ length: LIVE }, (_, i) => live.enqueueResponse(doc(i))));
    await receiver.waitFor(LIVE);
    let seconds = (performance.now() - t0) / 1000;
    console.log(`live: ${LIVE} signed deliveries in ${seconds.toFixed(2)} s = ${Math.round(LIVE / seconds)}/s (concurrency ${CONCURRENCY})`);
    await live.close();

    receiver.reset();
    const producer = await createDelivery({ ...opts, startWorkers: false });
    t0 = performance.now();
    await Promise.all(Array.from({ length: BACKLOG }, (_, i) => producer.enqueueResponse(doc(LIVE + i))));
    seconds = (performance.now() - t0) / 1000;
    console.log(`backlog: ${BACKLOG} enqueued in ${seconds.toFixed(2)} s = ${Math.round(BACKLOG / seconds)}/s`);
    t0 = performance.now();
    const worker = await createDelivery(opts);
    await receiver.waitFor(BACKLOG);
    seconds = (performance.now() - t0) / 1000;
    console.log(`backlog: ${BACKLOG} drained in ${seconds.toFixed(2)} s = ${Math.round(BACKLOG / seconds)}/s (concurrency ${CONCURRENCY})`);
    const { checked, bad } = receiver.checks();
    console.log(`signatures checked: ${checked}, invalid: ${bad}`);
    await Promise.all([worker.close(), producer.close()]);
  } finally {
    await receiver.close();
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    redis.disconnect();
  }
}

await main();
