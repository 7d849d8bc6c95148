import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/delivery/cli.js';
import { createDelivery, type DeliveryOptions } from '../../src/delivery/index.js';
import { QueueDelivery } from '../../src/delivery/queue.js';
import { response, safetySignal, SECRET } from './support/docs.js';
import { Receiver } from './support/receiver.js';
import { testRedis, type TestRedis } from './support/redis.js';
import { captureLog, until } from './support/wait.js';

let r: TestRedis;
let log: ReturnType<typeof captureLog>;
const deliveries: QueueDelivery[] = [];
const receivers: Receiver[] = [];

beforeEach(async () => {
  r = await testRedis();
  log = captureLog();
});

afterEach(async () => {
  // Receivers first: their connections close, so workers waiting on a hanging request finish at once.
  await Promise.all(receivers.splice(0).map((rc) => rc.down()));
  await Promise.all(deliveries.splice(0).map((d) => d.close()));
  await r.cleanup();
});

/** A queued delivery on this test's prefix, with retry delays in tens of milliseconds. */
async function delivery(url: string, extra: Partial<DeliveryOptions> = {}): Promise<QueueDelivery> {
  const d = await createDelivery({ redis: r.redis, url, secrets: [SECRET], prefix: r.prefix, retryDelaysMs: [30, 30, 30, 30, 30, 30], lockMs: 2000, log, ...extra });
  expect(d).toBeInstanceOf(QueueDelivery);
  deliveries.push(d as QueueDelivery);
  return d as QueueDelivery;
}

async function receiver(start = true): Promise<Receiver> {
  const rc = start ? await Receiver.start(SECRET) : await Receiver.reserve(SECRET);
  receivers.push(rc);
  return rc;
}

describe('queued delivery (BullMQ on Redis)', () => {
  it('survives refused, 500, 503 + Retry-After and a timeout, then delivers once with the same webhook-id', async () => {
    const rc = await receiver(false);
    const d = await delivery(rc.url, { timeoutMs: 300 });
    const doc = response(1);
    await d.enqueueResponse(doc);
    await until('the refused first attempt', () => log.lines.some((l) => l.obj.attempt === 1 && l.obj.error === 'ECONNREFUSED'));
    const answers = [{ status: 500 }, { status: 503, headers: { 'retry-after': '1' } }, 'hang' as const];
    rc.script = (n) => answers[n] ?? { status: 200 };
    await rc.up();
    await until('delivery', () => rc.deliveries().get(doc.id) === 1);

    expect(rc.received.map((x) => x.id)).toEqual([doc.id, doc.id, doc.id, doc.id]);
    expect(rc.received.every((x) => x.verified && JSON.parse(x.body).id === doc.id)).toBe(true);
    const [, answered503, afterIt] = rc.received;
    expect(afterIt!.at - answered503!.at).toBeGreaterThanOrEqual(1000); // Retry-After: 1 honoured over the 30 ms step
    await until('the ledger to say delivered', async () => (await d.listFor(doc.respondent.pseudonym))[0]?.state === 'delivered');
  });

  it('ignores a second enqueue of the same id, before and after delivery', async () => {
    const rc = await receiver();
    const d = await delivery(rc.url);
    const doc = response(1);
    await Promise.all([d.enqueueResponse(doc), d.enqueueResponse(doc)]);
    await until('delivery', () => rc.deliveries().get(doc.id) === 1);
    await until('the ledger to say delivered', async () => (await d.listFor(doc.respondent.pseudonym))[0]?.state === 'delivered');
    await d.enqueueResponse(doc);
    expect(await d.counts()).toMatchObject({ response: { waiting: 0, delayed: 0, active: 0 } });
    expect(rc.received).toHaveLength(1);
  });

  it('stops at 410 Gone: an alert, a dead letter, and nothing more to that endpoint until replay', async () => {
    const rc = await receiver();
    rc.script = () => ({ status: 410 });
    const d = await delivery(rc.url);
    const [doc, later] = [response(1), response(2)];
    await d.enqueueResponse(doc);
    await until('the dead letter', async () => (await d.counts()).dead === 1);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'error', obj: expect.objectContaining({ id: doc.id, status: 410, alert: 'webhook-gone' }) }));
    const signal = safetySignal(3);
    await d.enqueueResponse(later);
    await d.enqueueSafety(signal);
    await until('three dead letters', async () => (await d.counts()).dead === 3);
    expect(rc.received.map((x) => x.id)).toEqual([doc.id]);
    expect(await d.counts()).toMatchObject({ response: { waiting: 0, delayed: 0, active: 0, failed: 0 }, goneEndpoints: 1 });

    rc.script = () => ({ status: 200 });
    expect(await d.replay()).toBe(3);
    await until('all three delivered', () => rc.deliveries().size === 3);
    expect(await d.counts()).toMatchObject({ dead: 0, goneEndpoints: 0 });
  });

  it('dead-letters after the last attempt; the operator sees, exports and replays it', async () => {
    const rc = await receiver();
    rc.script = () => ({ status: 500 });
    const d = await delivery(rc.url, { retryDelaysMs: [20, 20] });
    const [doc, other] = [response(1), response(2)];
    await d.enqueueResponse(doc);
    await d.enqueueResponse(other);
    await until('two dead letters', async () => (await d.counts()).dead === 2);
    expect(rc.received.filter((x) => x.id === doc.id)).toHaveLength(3);
    expect((await d.listFor(doc.respondent.pseudonym))[0]?.state).toBe('dead');

    const out: string[] = [];
    expect(await runCli(['status'], d, (line) => out.push(line))).toBe(0);
    expect(JSON.parse(out.pop()!)).toMatchObject({ response: { waiting: 0, delayed: 0, failed: 0 }, dead: 2 });
    expect(await runCli(['export'], d, (line) => out.push(line))).toBe(0);
    // Oldest death first; the two jobs run side by side, so either may die first.
    const exported = out.map((line) => JSON.parse(line) as typeof doc);
    expect(exported.sort((a, b) => a.id.localeCompare(b.id))).toEqual([doc, other].sort((a, b) => a.id.localeCompare(b.id)));

    rc.script = () => ({ status: 200 });
    out.length = 0;
    expect(await runCli(['replay', doc.id], d, (line) => out.push(line))).toBe(0);
    expect(out).toEqual(['re-queued 1']);
    await until('the replayed delivery', () => rc.deliveries().get(doc.id) === 1);
    await until('one dead letter left', async () => (await d.counts()).dead === 1);
    expect(rc.received.filter((x) => x.id === doc.id).every((x) => x.verified)).toBe(true);
    await until('the ledger to say delivered', async () => (await d.listFor(doc.respondent.pseudonym))[0]?.state === 'delivered');

    expect(await runCli(['replay'], d, () => undefined)).toBe(0);
    await until('the other replayed delivery', () => rc.deliveries().get(other.id) === 1);
    expect(await runCli(['nonsense'], d, () => undefined)).toBe(2);
  });

  it('sends safety signals on their own lane to SAFETY_WEBHOOK_URL, past a stuck response backlog', async () => {
    const responses = await receiver();
    responses.script = () => 'hang';
    const safety = await receiver();
    const d = await delivery(responses.url, { safetyUrl: safety.url, concurrency: 2, timeoutMs: 5_000 });
    for (let i = 0; i < 5; i++) await d.enqueueResponse(response(i));
    await until('the response lane to be stuck', () => responses.received.length === 2);
    const signal = safetySignal(9);
    await d.enqueueSafety(signal);
    await until('the safety signal', () => safety.deliveries().get(signal.id) === 1);
    expect(safety.received[0]).toMatchObject({ verified: true, id: signal.id });
    expect(JSON.parse(safety.received[0]!.body)).toEqual(signal);
  });

  it('sends safety signals to the responses webhook when no safety URL is set', async () => {
    const rc = await receiver();
    const d = await delivery(rc.url);
    const signal = safetySignal(1);
    await d.enqueueSafety(signal);
    await until('the safety signal', () => rc.deliveries().get(signal.id) === 1);
  });

  it('lists what was sent for a respondent, and "/wis" removes what is not sent yet', async () => {
    const rc = await receiver();
    const d = await delivery(rc.url, { retryDelaysMs: [20] });
    const [sent, waiting, dead] = [response(1, 'ps_a'), response(2, 'ps_a'), response(3, 'ps_a')];
    const elsewhere = response(4, 'ps_b');
    rc.script = (_, id) =>
      id === sent.id || id.startsWith('era_') ? { status: 200 } : id === dead.id ? { status: 500 } : { status: 503, headers: { 'retry-after': '3600' } };
    for (const doc of [sent, dead, waiting, elsewhere]) await d.enqueueResponse(doc);
    await until('one delivered, one dead, two told to come back in an hour', async () => {
      const counts = await d.counts();
      return rc.deliveries().size === 1 && counts.dead === 1 && counts.response.delayed === 2;
    });

    const listed = await d.listFor('ps_a');
    expect(listed.map((e) => [e.id, e.state]).sort()).toEqual(
      [
        [sent.id, 'delivered'],
        [waiting.id, 'pending'],
        [dead.id, 'dead'],
      ].sort(),
    );
    expect(listed[0]).toMatchObject({ type: 'response.completed', at: expect.any(String) });

    const jobOf = async (id: string) => (await r.keys()).filter((k) => k.endsWith(`:${id}`));
    expect(await jobOf(sent.id)).toEqual([]); // a delivered job's document is removed as soon as it is recorded
    expect(await d.forget('ps_a')).toEqual({ removed: 2, alreadySent: 1 });
    // What was delivered is erased at the backend too: a signed respondent.erased event, carrying only the pseudonym.
    await until('the erasure event', () => rc.received.some((x) => x.id.startsWith('era_')));
    const erasure = rc.received.find((x) => x.id.startsWith('era_'))!;
    expect(erasure).toMatchObject({ verified: true });
    expect(JSON.parse(erasure.body)).toEqual({ type: 'respondent.erased', id: erasure.id, respondent: { pseudonym: 'ps_a' }, at: expect.any(String) });
    await until('the delivered notice to leave Redis', async () => (await jobOf(erasure.id)).length === 0);
    expect(await d.listFor('ps_a')).toEqual([]);
    expect(await d.counts()).toMatchObject({ dead: 0 });
    expect(await d.listFor('ps_b')).toMatchObject([{ id: elsewhere.id, state: 'pending' }]);
  });

  it('a respondent forgotten while the last attempt is in flight leaves no dead letter: /wis wins the race', async () => {
    const rc = await receiver();
    const doc = response(1, 'ps_racing');
    let inFlight = false;
    // The last attempt answers 500 only after the respondent was forgotten meanwhile.
    rc.script = (n) => (n === 0 ? { status: 500 } : ((inFlight = true), { status: 500, delayMs: 400 }));
    const d = await delivery(rc.url, { retryDelaysMs: [20] });
    await d.enqueueResponse(doc);
    await until('the last attempt to be in flight', () => inFlight);
    await d.forget('ps_racing');
    await until('the attempt to end', () => log.lines.some((l) => JSON.stringify(l).includes('delivery dropped')));
    expect(await d.counts()).toMatchObject({ dead: 0 });
    expect(await d.listFor('ps_racing')).toEqual([]);
  });

  it('gives every key it creates a TTL (BullMQ queue keys aside) and logs no content or pseudonyms', async () => {
    const rc = await receiver();
    const docs = [response(1, 'ps_secret_1'), response(2, 'ps_secret_2')];
    rc.script = (_, id) => (id === docs[1]!.id ? { status: 500 } : { status: 200 });
    const d = await delivery(rc.url, { retryDelaysMs: [20] });
    for (const doc of docs) await d.enqueueResponse(doc);
    await until('one delivered, one dead', async () => rc.deliveries().size === 1 && (await d.counts()).dead === 1);
    await d.enqueueSafety(safetySignal(3, 'ps_secret_3'));
    await until('the signal', () => rc.deliveries().size === 2);
    await d.forget('ps_secret_1');

    const own = (await r.keys()).filter((key) => !/^[^:]+:[^:]+:(responses|safety):/.test(key));
    expect(own.length).toBeGreaterThan(0);
    for (const key of own) expect({ key, ttl: await r.redis.ttl(key) }).toEqual({ key, ttl: expect.toSatisfy((t: number) => t > 0) });

    const logged = JSON.stringify(log.lines);
    expect(logged).not.toMatch(/ps_secret|Best goed|geheime|case-42/);
    expect(logged).toContain(docs[0]!.id);
  });

  it('refuses an unsafe webhook URL before queueing anything', async () => {
    await expect(delivery('http://backend.example.org/hooks')).rejects.toThrow(/https/);
    await expect(delivery('https://169.254.169.254/hooks')).rejects.toThrow(/metadata/);
    await expect(delivery('https://127.0.0.1/hooks', { safetyUrl: 'http://example.org/' })).rejects.toThrow(/SAFETY_WEBHOOK_URL/);
    await expect(delivery('https://127.0.0.1/hooks', { secrets: ['nope'] })).rejects.toThrow(/whsec_/);
  });
});
