import { once } from 'node:events';
import { readdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryLaterError, type Conversation } from '../../src/turns/runner.js';
import { createDelivery, type Delivery } from '../../src/delivery/index.js';
import { FileSink } from '../../src/delivery/sink.js';
import { RedisSessionStore } from '../../src/sessions/redis.js';
import type { SessionStore } from '../../src/sessions/store.js';
import { Receiver } from '../delivery/support/receiver.js';
import { captureLog } from '../delivery/support/wait.js';
import { scanKeys } from '../sessions/helpers.js';
import { redisUrl } from '../support/redis.js';
import { nextUpdate, redisRunner, Respondent, shared, summary } from './support.js';

/**
 * Redis unreachable (issue 4.5): the turn throws `RetryLaterError` (the channel says "probeer het zo opnieuw"
 * and answers the platform 5xx), nothing half-written stays behind, and the platform's redelivery of the same
 * update is applied — never dropped as a duplicate.
 */
const options = { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true } as const;

describe('runner: Redis unreachable', () => {
  let healthy: Redis;
  let store: RedisSessionStore<Conversation>;

  beforeAll(() => {
    healthy = new Redis(redisUrl(8), { maxRetriesPerRequest: 1 });
    store = new RedisSessionStore<Conversation>({ redis: healthy });
  });
  afterAll(() => healthy.quit());

  it('a Redis nobody answers: RetryLaterError, nothing queued', async () => {
    const dead = new Redis({ ...options, host: '127.0.0.1', port: 1, retryStrategy: () => null });
    dead.on('error', () => {});
    await dead.connect().catch(() => {});
    const dataDir = mkdtempSync(join(tmpdir(), 'fb-unreachable-'));
    const r = new Respondent(redisRunner(dead, { delivery: new FileSink(dataDir) }));
    await expect(r.open('parent-checkin')).rejects.toBeInstanceOf(RetryLaterError);
    await expect(r.say('4')).rejects.toBeInstanceOf(RetryLaterError);
    expect(readdirSync(dataDir)).toEqual([]);
    expect(await scanKeys(healthy, `*${r.pseudonym}*`)).toEqual([]);
    dead.disconnect();
  });

  it('the connection drops between the claim and the save: no conversation, and the redelivery starts it', async () => {
    const flaky = new Redis(redisUrl(8), options);
    flaky.on('error', () => {});
    await flaky.connect();
    const flakyStore = new RedisSessionStore<Conversation>({ redis: flaky });
    const dropsBeforeSave: SessionStore<Conversation> = {
      load: (k) => flakyStore.load(k),
      seen: (k, id) => flakyStore.seen(k, id),
      claim: (k, id) => flakyStore.claim(k, id),
      delete: (k) => flakyStore.delete(k),
      outbox: flakyStore.outbox,
      save: (...args) => {
        flaky.disconnect();
        return flakyStore.save(...args);
      },
    };
    const r = new Respondent(redisRunner(flaky, { store: dropsBeforeSave }));
    const id = nextUpdate();
    await expect(r.send(r.opening('parent-checkin'), id)).rejects.toBeInstanceOf(RetryLaterError);
    expect(await store.load(r.key)).toBeUndefined();

    r.runner = redisRunner(healthy);
    const again = await r.send(r.opening('parent-checkin'), id);
    expect(again.duplicate).toBe(false);
    expect((await summary(store, r.key))?.value).toBe('intro');
  });

  describe('"/wis" whose delivery cleanup fails', () => {
    let conn: Redis;
    let delivery: Delivery;

    beforeAll(async () => {
      conn = new Redis(redisUrl(8), { ...options, maxRetriesPerRequest: null });
      conn.on('error', () => {});
      await conn.connect();
      const secret = `whsec_${Buffer.from('runner-unreachable-secret-32byte').toString('base64')}`;
      const receiver = await Receiver.reserve(secret); // never up: only enqueue and forget are used here
      delivery = await createDelivery({ redis: conn, url: receiver.url, secrets: [secret], log: captureLog(), startWorkers: false, prefix: 'unreachable-delivery' });
    });
    afterAll(async () => {
      await delivery.close();
      conn.disconnect();
    });

    it('keeps the conversation, so the redelivered confirmation finishes the job', async () => {
      const r = new Respondent(redisRunner(healthy, { delivery }));
      await r.open('parent-checkin');
      await r.say('/wis');
      const yes = r.button(shared.texts.t('nl')('buttons.yesDelete'));
      const id = nextUpdate();
      const ended = once(conn, 'end');
      conn.disconnect();
      await expect(r.send(yes, id)).rejects.toBeInstanceOf(RetryLaterError);
      expect((await summary(store, r.key))?.value).toBe('confirmDelete');

      // disconnect() only ends the socket: the status stays 'ready' until it has closed, so reconnect after that.
      await ended;
      await reconnect(conn);
      const again = await r.send(yes, id);
      expect(again.duplicate).toBe(false);
      expect(again.prompts.map((p) => p.text)).toEqual([shared.texts.t('nl')('delete.done')]);
      expect(await scanKeys(healthy, `*${r.pseudonym}*`)).toEqual([]);
    });
  });
});

/** BullMQ may already be reconnecting a closed connection of its own accord: connect unless it is, then wait for ready. */
async function reconnect(redis: Redis): Promise<void> {
  if (redis.status === 'end' || redis.status === 'wait') await redis.connect();
  if (redis.status !== 'ready') await once(redis, 'ready');
}
