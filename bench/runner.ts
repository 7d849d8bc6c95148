/**
 * Figures for the runner on Redis (issue 10 targets: ≤ 2 KB per open conversation, ≤ 3 round trips per answered
 * item), one JSON line each:
 * - Redis bytes per open conversation halfway through parent-full (8 of 17 items, one update id per turn as on
 *   Telegram): `MEMORY USAGE` of every key of the conversation (state, update ids), of the Telegram chat record the
 *   channel keeps beside it (written here as the channel does, with the last question), and its share of the timer
 *   schedule: the two shared keys divided by the conversations planned, topped up to 2,000 plans of the same shape
 *   so that Redis stores both as it would in production (hash table and skip list, not the listpack of a small
 *   schedule, which is cheaper).
 * - Round trips per answered item: Redis commands the runner sends for one button press or typed answer.
 * - Whole turns per second (engine, store, timers, file sink), 50 conversations at a time, with states deflated
 *   and as plain JSON.
 * Run: `npx tsx bench/runner.ts` (REDIS_URL, default the local server's database 0), then the same on a 3-master
 * Redis Cluster it starts on loopback (test/support/redis-cluster.ts). Writes under a fresh prefix and deletes what it wrote.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { chatRecords } from '../src/channels/telegram/record.js';
import { createRunner, type Conversation, type Runner } from '../src/turns/runner.js';
import type { Input, Prompt } from '../src/conversation/types.js';
import { FileSink } from '../src/delivery/sink.js';
import { checkRedis } from '../src/sessions/check.js';
import { RedisSessionStore } from '../src/sessions/redis.js';
import { createRedisTimers } from '../src/sessions/timers.js';
import { checkin, loadTestBank } from '../test/support/engine.js';
import { startCluster } from '../test/support/redis-cluster.js';
import { countCommands, scanKeys } from '../test/sessions/helpers.js';
import { keysFor, TIMER_SHARDS } from '../src/keys.js';
import { connectRedis, type RedisClient } from '../src/redis/connect.js';

const CONVERSATIONS = 200;
/** Conversations with timers planned when the schedule is measured. */
const SCHEDULED = 2000;
/** Conversations run through halfway, 50 at a time, to measure whole turns per second. */
const THROUGHPUT_CONVERSATIONS = 500;
const CONCURRENT = 50;
const HALFWAY = 8;
const FLOW = 'parent-full';

const printLine = (figure: Record<string, unknown>) => console.log(JSON.stringify(figure));

/** A Telegram-like conversation: pseudonym as `createPseudonymiser` makes it (22 chars), update ids of 9–10 digits. */
class Conv {
  readonly pseudonym = randomBytes(16).toString('base64url').slice(0, 22);
  readonly key = `tg:${this.pseudonym}`;
  prompts: Prompt[] = [];
  readonly updates: string[] = [];
  static update = 700_000_000;

  constructor(private readonly runner: Runner) {}

  async send(input: Input): Promise<void> {
    const updateId = String(Conv.update++);
    this.updates.push(updateId);
    this.prompts = (await this.runner.handle({ key: this.key, input, updateId })).prompts;
  }

  /** Taps the first button of the newest prompt with buttons (Start, then the lowest scale value). */
  tapFirst(): Promise<void> {
    const b = [...this.prompts].reverse().find((p) => p.buttons?.length)!.buttons!.flat()[0]!;
    return this.send({ kind: 'button', data: b.data });
  }
}

/** One run of every figure on `redis`, each line labelled with `on` (`server` or `cluster`). */
async function main(redis: RedisClient, on: string): Promise<void> {
  const print = (figure: Record<string, unknown>) => printLine({ on, ...figure });
  const prefix = `bench-${randomUUID()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'fb-bench-runner-'));
  const timers = createRedisTimers({ connection: redis, prefix });
  const { bank, texts, engine } = loadTestBank();
  const store = new RedisSessionStore<Conversation>({ redis, prefix });
  const runner = createRunner({ bank, texts, engine, store, timers, delivery: new FileSink(dataDir), log: { info() {}, warn() {}, error() {} } });
  const flow = bank.flows.get(FLOW)!;
  const usage = async (keys: string[]) => {
    let bytes = 0;
    for (const k of keys) bytes += Number(await redis.memory('USAGE', k, 'SAMPLES', 0));
    return bytes;
  };
  try {
    print({ figure: 'redis', ...(await checkRedis(redis)) });
    const convs = Array.from({ length: CONVERSATIONS }, () => new Conv(runner));
    for (const c of convs) {
      await c.send({ kind: 'open', checkin: checkin(flow, { pseudonym: c.pseudonym, channel: 'telegram', id: `chk_${c.pseudonym}` }) });
      await c.tapFirst();
      for (let i = 0; i < HALFWAY; i++) await c.tapFirst();
    }
    // The Telegram channel's record for each conversation, as it stands after a question was sent.
    const records = chatRecords({ redis, ttlSeconds: 3600, prefix });
    for (const [i, c] of convs.entries()) {
      const question = [...c.prompts].reverse().find((p) => p.ask)!;
      await records.put(c.key, { chat: 6_100_000_000 + i, lng: 'nl', checkinId: `chk_${c.pseudonym}`, last: { id: 4000 + i, ask: question.ask!, text: question.text, open: true } });
    }
    let conv = 0;
    let ids = 0;
    let record = 0;
    let otherKeys = 0;
    for (const c of convs) {
      const [convKey, idsKey, recordKey] = ['conv', 'ids', 'tg'].map((s) => keysFor(prefix).conversation(c.key, s)) as [string, string, string];
      const keys = await scanKeys(redis, keysFor(prefix).conversation(c.key, '*'));
      otherKeys += keys.filter((k) => ![convKey, idsKey, recordKey].includes(k)).length;
      conv += await usage([convKey]);
      ids += await usage([idsKey]);
      record += await usage([recordKey]);
    }
    const opened = Date.now();
    for (let i = CONVERSATIONS; i < SCHEDULED; i++) {
      const key = `tg:${randomBytes(16).toString('base64url').slice(0, 22)}`;
      await timers.plan(key, { reminders: [opened + flow.reminders.afterHours * 3600_000], expireAt: opened + flow.lifetimeHours * 3600_000 });
    }
    const timerKeys = Array.from({ length: TIMER_SHARDS }, (_, shard) => Object.values(keysFor(prefix).timers(shard))).flat();
    const timerBytes = await usage(timerKeys);
    const encodings = await Promise.all(timerKeys.map((k) => redis.object('ENCODING', k)));
    const state = (await store.load(convs[0]!.key))!.state;
    const per = (bytes: number) => Math.round(bytes / CONVERSATIONS);
    print({
      figure: 'redis_bytes_per_open_conversation',
      flow: FLOW, answered: HALFWAY, turnsWithUpdateIds: HALFWAY + 2, conversations: CONVERSATIONS,
      stateJsonBytes: JSON.stringify(state).length,
      conversationState: per(conv),
      updateIds: per(ids),
      telegramRecord: per(record),
      timers: Math.round(timerBytes / SCHEDULED),
      timerEncodings: [...new Set(encodings)],
      otherKeys,
      total: per(conv + ids + record) + Math.round(timerBytes / SCHEDULED),
      target: 2048,
    });

    const c = convs[0]!;
    const counter = countCommands(redis);
    const perTurn: number[] = [];
    for (let i = 0; i < 4; i++) {
      counter.reset();
      await (i % 2 ? c.send({ kind: 'text', text: '3' }) : c.tapFirst());
      perTurn.push(counter.count);
    }
    print({ figure: 'round_trips_per_answered_item', commandsPerTurn: perTurn, max: Math.max(...perTurn), target: 3 });

    // Whole turns, engine included, with states deflated (the default) and as plain JSON, twice each (the first
    // round warms up): what deflating costs.
    for (const deflate of [true, false, true, false]) {
      const variant = createRunner({ bank, texts, engine, store: new RedisSessionStore<Conversation>({ redis, prefix, deflate }), timers, delivery: new FileSink(dataDir), log: { info() {}, warn() {}, error() {} } });
      let answered = 0;
      const started = performance.now();
      const cpu = process.cpuUsage();
      await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          for (let n = 0; n < THROUGHPUT_CONVERSATIONS / CONCURRENT; n++) {
            const x = new Conv(variant);
            await x.send({ kind: 'open', checkin: checkin(flow, { pseudonym: x.pseudonym, channel: 'telegram', id: `chk_${x.pseudonym}` }) });
            await x.tapFirst();
            for (let i = 0; i < HALFWAY; i++, answered++) await x.tapFirst();
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const { user, system } = process.cpuUsage(cpu);
      const turns = (answered * (HALFWAY + 2)) / HALFWAY;
      print({
        figure: 'runner_turns_throughput', states: deflate ? 'deflated' : 'json', concurrentConversations: CONCURRENT,
        answeredItemsPerSecond: Math.round(answered / seconds), turnsPerSecond: Math.round(turns / seconds),
        // CPU of this process per turn: steadier than rates when the machine is shared.
        cpuUsPerTurn: Math.round((user + system) / turns),
      });
    }
  } finally {
    await timers.close();
    // One key per UNLINK: on a cluster a command may only name keys of one slot.
    const written = await scanKeys(redis, `${prefix}:*`);
    for (let i = 0; i < written.length; i += 1000) await Promise.all(written.slice(i, i + 1000).map((k) => redis.unlink(k)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// The same figures on one server (REDIS_URL, default the local one) and on a local 3-master cluster.
const server = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
await main(server, 'server').finally(() => server.quit());
const cluster = await startCluster();
const client = connectRedis({ REDIS_CLUSTER_NODES: cluster.nodes })!;
await main(client, 'cluster').finally(async () => {
  client.disconnect();
  await cluster.stop();
});
