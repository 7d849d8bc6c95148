import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDelivery } from '../../src/delivery/index.js';
import { postSigned } from '../../src/delivery/post.js';
import type { QueueDelivery } from '../../src/delivery/queue.js';
import { createSigner } from '../../src/delivery/sign.js';
import { testRedis, type TestRedis } from '../delivery/support/redis.js';
import { captureLog, until } from '../delivery/support/wait.js';
import { DATABASES } from '../support/postgres.js';
import { converse, count, SECRET, testBackend, type TestBackend } from './support.js';

const WRONG_SECRET = 'whsec_d3Jvbmcgc2VjcmV0IGZvciB0ZXN0cw==';

/** The bot's own delivery (BullMQ on Redis, its signer, its retries) posting to the backend over HTTP. */
describe.each(DATABASES)('the bot delivering to the backend on %s', (kind) => {
  let b: TestBackend;
  let r: TestRedis;
  let url: string;
  const deliveries: QueueDelivery[] = [];
  const delivery = async (secret: string) => {
    const d = (await createDelivery({ redis: r.redis, url, secrets: [secret], prefix: `${r.prefix}:${secret.slice(-6)}`, retryDelaysMs: [20, 20], lockMs: 2000, log: captureLog() })) as QueueDelivery;
    deliveries.push(d);
    return d;
  };

  beforeAll(async () => {
    b = await testBackend(kind);
    await b.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}/webhooks`;
    r = await testRedis();
  });
  afterAll(async () => {
    await Promise.all(deliveries.map((d) => d.close()));
    await r.cleanup();
    await b.close();
  });

  it('stores three check-ins of a case and its safety signal once each, however often they are sent', async () => {
    const d = await delivery(SECRET);
    const week = 7 * 86_400_000;
    const start = Date.parse('2026-11-02T09:00:00Z');
    const runs = [5, 3, 1].map((p_heard, i) =>
      converse('parent-checkin', { id: `chk_d${i}`, caseRef: 'E2E-1', teamRef: 'Team Noord', pseudonym: 'ps_e2e' }, { values: { p_heard, p_safety_scale: i === 2 ? 1 : 8 } }, start + i * week));
    for (const run of runs) await d.enqueueResponse(run.response);
    await d.enqueueResponse(runs[0]!.response); // a double enqueue (a redelivered turn)
    const signal = runs[2]!.signals[0]!;
    await d.enqueueSafety(signal);
    await until('three responses and the signal stored', async () => (await count(b.db, 'responses')) === 3 && (await count(b.db, 'safety_signals')) === 1);

    // A retry after a lost 2xx (same webhook-id, fresh timestamp, the bot's own post): acknowledged, nothing new.
    const again = await postSigned({ url, id: runs[1]!.response.id, body: JSON.stringify(runs[1]!.response), sign: createSigner([SECRET]) });
    expect(again).toEqual({ kind: 'delivered', status: 200 });
    expect(await count(b.db, 'webhook_events')).toBe(4);
    expect(await count(b.db, 'responses')).toBe(3);
    const trajectory = await b.db.query<{ completed_at: Date; score: number }>(
      "SELECT r.completed_at, s.score FROM responses r JOIN domain_scores s ON s.response_id = r.id AND s.domain = 'fidelity' WHERE r.case_ref = 'E2E-1' ORDER BY r.completed_at",
    );
    expect(trajectory.map((t) => t.score)).toEqual(runs.map((run) => run.response.scores.fidelity!.score));
  });

  it('refuses deliveries signed with a secret it does not know, storing nothing, until they are dead letters', async () => {
    const d = await delivery(WRONG_SECRET);
    const { response } = converse('parent-checkin', { id: 'chk_forged', caseRef: 'E2E-2', pseudonym: 'ps_forged' });
    const before = await count(b.db, 'webhook_events');
    await d.enqueueResponse(response);
    await until('the forged delivery to be given up', async () => (await d.counts()).dead === 1);
    expect(await count(b.db, 'webhook_events')).toBe(before);
    expect(await b.db.query('SELECT 1 FROM responses WHERE id = $1', [response.id])).toEqual([]);
  });

  it('carries a respondent\'s /wis to the backend, which deletes their rows', async () => {
    const d = deliveries[0]!;
    expect(await count(b.db, 'responses')).toBe(3);
    await d.forget('ps_e2e');
    await until('the erasure', async () => (await count(b.db, 'erasure_log')) === 1);
    expect(await count(b.db, 'responses')).toBe(0);
    expect(await count(b.db, 'safety_signals')).toBe(0);
    expect(await b.db.query('SELECT responses, signals FROM erasure_log')).toEqual([{ responses: 3, signals: 1 }]);
    // And the bot kept nothing of them either once the backend had the notice.
    await until('the delivered notice to leave Redis', async () => {
      const values = await Promise.all((await r.keys()).map(async (k) => ((await r.redis.type(k)) === 'hash' ? JSON.stringify(await r.redis.hgetall(k)) : '')));
      return !values.some((v) => v.includes('ps_e2e'));
    });
  });
});
