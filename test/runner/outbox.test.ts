import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../src/sessions/memory.js';
import { RedisSessionStore } from '../../src/sessions/redis.js';
import type { SessionStore } from '../../src/sessions/store.js';
import { createOutboxSender, type Outgoing, type OutboxSender } from '../../src/turns/outbox.js';
import type { Conversation } from '../../src/turns/runner.js';
import { captureLog } from '../delivery/support/wait.js';
import { redisUrl } from '../support/redis.js';
import { newConversation, nextUpdate, redisRunner, Respondent } from './support.js';

/**
 * The outbox end to end through the runner: a turn's words saved with its state and said by the sender, in
 * order, once; a failed say kept and said by a later sweep; two senders on one Redis (two replicas) never say the
 * same entry both; a sender that died leaves its entries to another once its lease lapsed.
 */
let redis: Redis;
beforeAll(async () => {
  redis = new Redis(redisUrl(8));
});
afterAll(async () => {
  await redis.quit();
});

const entry = (text: string): Outgoing => ({ prompts: [{ kind: 'message', text }], answered: [], lng: 'nl', final: false });
const textOf = (e: Outgoing) => e.prompts.map((p) => ('text' in p ? p.text : '')).join('|');

/** A sender whose `say` records what it said per conversation; `fail` makes the next says throw. */
function recordingSender(store: SessionStore<Conversation>, opts: { leaseMs?: number; sweepMs?: number } = {}) {
  const said: Array<{ key: string; text: string }> = [];
  const failing = { left: 0 };
  const sender: OutboxSender = createOutboxSender({
    outbox: store.outbox, log: captureLog(), handles: () => true, ...opts,
    say: async (key, e) => {
      await sleep(5); // a platform call takes time: racing senders overlap
      if (failing.left > 0) {
        failing.left--;
        throw new Error('platform unreachable');
      }
      said.push({ key, text: textOf(e) });
    },
  });
  return { sender, said, failing };
}

const stores: Array<[string, () => SessionStore<Conversation>]> = [
  ['memory', () => new MemorySessionStore<Conversation>()],
  ['redis', () => new RedisSessionStore<Conversation>({ redis, prefix: `t-${randomUUID()}` })],
];

describe.each(stores)('the outbox sender (%s)', (_, makeStore) => {
  it('says saved entries in order, once, and leaves the outbox empty', async () => {
    const store = makeStore();
    const { sender, said } = recordingSender(store);
    const { key } = newConversation();
    for (let rev = 0; rev < 3; rev++) await store.save(key, { recent: [] } as never, rev, 60, { entry: JSON.stringify(entry(`m${rev}`)) });
    sender.kick(key);
    sender.kick(key); // a second kick while it runs says nothing twice
    await sender.idle();
    expect(said.map((s) => s.text)).toEqual(['m0', 'm1', 'm2']);
    expect(await store.outbox.take(key, 'someone', 1000)).toEqual([]);
    await sender.close();
  });

  it('keeps what could not be said and says it at a later sweep', async () => {
    const store = makeStore();
    const { sender, said, failing } = recordingSender(store, { leaseMs: 200, sweepMs: 50 });
    const { key } = newConversation();
    await store.save(key, { recent: [] } as never, 0, 60, { entry: JSON.stringify(entry('kept')) });
    failing.left = 1;
    sender.kick(key);
    await sender.idle();
    expect(said).toEqual([]);
    await expect.poll(() => said.map((s) => s.text), { timeout: 5_000 }).toEqual(['kept']);
    await sender.close();
  });
});

describe('two senders on one Redis', () => {
  it('never say the same entry both: 20 conversations kicked on both, each entry said once, in order', async () => {
    const prefix = `t-${randomUUID()}`;
    const [a, b] = [new RedisSessionStore<Conversation>({ redis, prefix }), new RedisSessionStore<Conversation>({ redis, prefix })];
    const one = recordingSender(a);
    const two = recordingSender(b);
    const keys = Array.from({ length: 20 }, () => newConversation().key);
    await Promise.all(keys.map(async (key) => {
      for (let rev = 0; rev < 3; rev++) {
        await a.save(key, { recent: [] } as never, rev, 60, { entry: JSON.stringify(entry(`${key} m${rev}`)) });
        one.sender.kick(key);
        two.sender.kick(key);
      }
    }));
    await Promise.all([one.sender.idle(), two.sender.idle()]);
    // A kick refused by the other's lease is picked up by the holder, which looks again before it lets go.
    const all = [...one.said, ...two.said];
    expect(all).toHaveLength(60);
    for (const key of keys) {
      const mine = all.filter((s) => s.key === key).map((s) => s.text);
      expect(new Set(mine).size).toBe(3);
    }
    await Promise.all([one.sender.close(), two.sender.close()]);
  });

  it("a dead sender's entries are said by another once its lease lapsed, and the index is settled", async () => {
    const prefix = `t-${randomUUID()}`;
    const store = new RedisSessionStore<Conversation>({ redis, prefix });
    const { key } = newConversation();
    await store.save(key, { recent: [] } as never, 0, 60, { entry: JSON.stringify(entry('orphan')) });
    expect(await store.outbox.take(key, 'dead-process', 300)).toEqual([JSON.stringify(entry('orphan'))]); // then it died
    const { sender, said } = recordingSender(store, { leaseMs: 300, sweepMs: 50 });
    await expect.poll(() => said.map((s) => s.text), { timeout: 5_000 }).toEqual(['orphan']);
    await expect.poll(async () => (await store.outbox.pending(0, 100)).map((p) => p.key), { timeout: 5_000 }).toEqual([]);
    await sender.close();
  });
});

describe('the runner with an outbox', () => {
  it("saves a turn's words with its state and says nothing itself; a plain turn still returns its prompts", async () => {
    const store = new RedisSessionStore<Conversation>({ redis, prefix: `t-${randomUUID()}` });
    const runner = redisRunner(redis, { store });
    const who = new Respondent(runner);
    const key = who.key;
    const r = await runner.handle({ key, input: who.opening('parent-checkin'), updateId: nextUpdate(), outbox: { via: { chat: 42 } } });
    expect(r.queued).toBe(true);
    const [saved] = (await store.outbox.take(key, 'me', 1000))!;
    const out = JSON.parse(saved!) as Outgoing;
    expect(out.prompts).toEqual(r.prompts);
    expect(out.via).toEqual({ chat: 42 });
    expect(out.lng).toBe('nl');
    const plain = await runner.handle({ key, input: { kind: 'text', text: '/hulp' }, updateId: nextUpdate() });
    expect(plain.queued).toBe(false);
    expect(plain.prompts.length).toBeGreaterThan(0);
    expect(await store.outbox.take(key, 'me', 1000)).toEqual([saved]); // nothing added
  });
});
