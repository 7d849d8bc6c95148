import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDelivery, type DeliveryOptions } from '../../src/delivery/index.js';
import { redisUrl } from '../support/redis.js';
import { response, SECRET } from './support/docs.js';
import { Receiver } from './support/receiver.js';
import { DELIVERY_DB, testRedis, type TestRedis } from './support/redis.js';
import { captureLog, until } from './support/wait.js';

const N = 500;
/** Long enough a schedule that nothing goes dead while the receiver is down for a second or two. */
const DELAYS = [50, 100, 200, ...Array<number>(30).fill(250)];
const CONCURRENCY = 8;

let r: TestRedis;
let log: ReturnType<typeof captureLog>;
let receiver: Receiver | undefined;
const closing: Array<() => Promise<void>> = [];

beforeEach(async () => {
  r = await testRedis();
  log = captureLog();
});

afterEach(async () => {
  await receiver?.down();
  for (const close of closing.splice(0)) await close();
  await r.cleanup();
});

async function delivery(url: string, extra: Partial<DeliveryOptions> = {}) {
  const d = await createDelivery({ redis: r.redis, url, secrets: [SECRET], prefix: r.prefix, retryDelaysMs: DELAYS, log, ...extra });
  closing.push(() => d.close());
  return d;
}

/** Every response id got exactly one 2xx, and every request carried a valid signature. */
function expectAllDeliveredOnce(rc: Receiver, ids: string[]): void {
  expect([...rc.deliveries().keys()].sort()).toEqual([...ids].sort());
  expect([...rc.deliveries().values()].every((count) => count === 1)).toBe(true);
  expect(rc.received.every((x) => x.verified)).toBe(true);
}

function startWorkerProcess(url: string): ChildProcess {
  const script = fileURLToPath(new URL('./support/worker-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      REDIS_URL: redisUrl(DELIVERY_DB),
      RESPONSES_WEBHOOK_URL: url,
      RESPONSES_WEBHOOK_SECRET: SECRET,
      DELIVERY_RETRY_DELAYS_MS: DELAYS.join(','),
      DELIVERY_PREFIX: r.prefix,
      DELIVERY_CONCURRENCY: String(CONCURRENCY),
      DELIVERY_LOCK_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  closing.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  return child;
}

async function ready(child: ChildProcess): Promise<void> {
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await until('the worker process to start', () => out.includes('ready'), 20_000);
}

describe('a backlog of 500 responses', () => {
  it('queued while the receiver is down: all delivered once it is up, none twice', async () => {
    receiver = await Receiver.reserve(SECRET);
    const d = await delivery(receiver.url, { concurrency: 32 });
    const docs = Array.from({ length: N }, (_, i) => response(i));
    await Promise.all(docs.map((doc) => d.enqueueResponse(doc)));
    const refused = () => log.lines.filter((l) => l.obj.attempt === 1 && l.obj.error === 'ECONNREFUSED').length;
    await until('every response to have met the closed port', () => refused() >= N);

    await receiver.up();
    await until(`all ${N} delivered`, () => receiver!.deliveries().size === N, 30_000);
    expectAllDeliveredOnce(receiver, docs.map((doc) => doc.id));
    expect(log.lines.some((l) => l.obj.alert !== undefined)).toBe(false);
  });

  it('still all delivered when the worker process is SIGKILLed mid-run', async () => {
    receiver = await Receiver.start(SECRET);
    receiver.script = () => ({ status: 200, delayMs: 20 });
    const producer = await delivery(receiver.url, { startWorkers: false });
    const docs = Array.from({ length: N }, (_, i) => response(i));
    await Promise.all(docs.map((doc) => producer.enqueueResponse(doc)));

    const first = startWorkerProcess(receiver.url);
    await ready(first);
    await until('a fifth of the backlog', () => receiver!.deliveries().size >= N / 5, 20_000);
    first.kill('SIGKILL');
    await once(first, 'exit');
    expect(receiver.deliveries().size).toBeLessThan(N);

    const second = startWorkerProcess(receiver.url);
    await ready(second);
    await until(`all ${N} delivered`, () => receiver!.deliveries().size === N, 30_000);
    // At-least-once: only what the killed process had in flight may arrive a second time, with the same webhook-id.
    const repeats = [...receiver.deliveries().values()].reduce((sum, count) => sum + count - 1, 0);
    expect(repeats).toBeLessThanOrEqual(CONCURRENCY);
    expect([...receiver.deliveries().keys()].sort()).toEqual(docs.map((doc) => doc.id).sort());
    expect(receiver.received.every((x) => x.verified)).toBe(true);
    second.kill('SIGTERM');
    await once(second, 'exit');
  });
});
