import { createHash } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Reminders and expiry of conversations, independent of the engine: the runner plans them after a save
 * and cancels them on completion or `/wis`; the handler is told which timer fired, nothing more.
 *
 * Delivery is at least once (a worker that dies mid-handler has its job retried), and a timer that is already
 * running when it is cancelled or replanned still finishes: the handler must load the conversation and check
 * the timer still applies.
 */
export interface ConversationTimers {
  /** (Re)plans timers for a conversation: reminders at the given times, expiry at expireAt. Replaces earlier plans for that key. */
  plan(key: string, plan: TimerPlan): Promise<void>;
  /** Removes every pending timer of that conversation (on completion, on "/wis"). Returns how many were removed. */
  cancel(key: string): Promise<number>;
  close(): Promise<void>;
  /** Readiness: the timer worker of this process is running (always true without one). */
  running?(): boolean;
}

export interface TimerPlan {
  /** Epoch ms. */
  reminders: number[];
  /** Epoch ms. */
  expireAt: number;
}

export type TimerKind = 'reminder' | 'expire';
export type TimerHandler = (key: string, kind: TimerKind, index: number) => Promise<void>;

/** Reported when the handler gave up after every attempt, or the queue/worker fails. */
export type TimerErrorHandler = (err: Error) => void;

/** A throwing handler is tried this often in all, waiting 1 s, 2 s, 4 s in between. */
const ATTEMPTS = 4;
const BACKOFF_MS = 1000;
/** Failed jobs (the handler gave up) stay this long, at most this many, for inspection. */
const KEEP_FAILED = { age: 7 * 24 * 3600, count: 1000 };
/** A plan's id list outlives its last timer by a day, which covers the handler's retries. */
const PLAN_MARGIN_SECONDS = 24 * 3600;
/** Job states that count as a pending timer when cancelled. */
const PENDING = new Set(['delayed', 'waiting', 'prioritized', 'waiting-children']);
/** `setTimeout` fires at once beyond ~24.8 days, so longer waits are taken in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

interface Timer {
  key: string;
  kind: TimerKind;
  index: number;
  at: number;
}

type TimerJob = Omit<Timer, 'at'>;

function timersOf(key: string, { reminders, expireAt }: TimerPlan): Timer[] {
  for (const at of [...reminders, expireAt]) if (!Number.isFinite(at)) throw new RangeError(`timer times must be epoch ms, got ${at}`);
  return [
    ...reminders.map((at, index): Timer => ({ key, kind: 'reminder', index, at })),
    { key, kind: 'expire', index: 0, at: expireAt },
  ];
}

const warn: TimerErrorHandler = (err) => process.emitWarning(err);

/** BullMQ job ids may not contain ':', and the key need not be repeated in Redis: a short digest of it. */
function digest(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 22);
}

/**
 * Deterministic: the same plan gives the same ids, so replanning it is a no-op. The due time is part of the id
 * because BullMQ silently ignores adding an id that still exists — a reminder whose handler is running right
 * now (and replans) would otherwise swallow its own successor.
 */
function jobId(timer: Timer): string {
  return `${digest(timer.key)}.${timer.kind === 'reminder' ? 'r' : 'x'}${timer.index}.${timer.at}`;
}

/**
 * BullMQ timers, one queue `<prefix>:timers`. Every replica may plan and cancel; replicas given a `handler`
 * also run a worker, and BullMQ's job locks make each timer fire in one of them only.
 *
 * Job ids are listed per conversation under `<prefix>:timer-plans:<digest>` (a JSON array with a TTL of the last
 * due time + 1 day): `cancel` needs them, and planning swaps the list (`SET … GET`) after adding the new jobs and
 * then removes the previous plan's jobs, so racing plans end with exactly the last swapper's jobs.
 *
 * Keys BullMQ leaves without a TTL: `<prefix>:timers:meta` (queue settings), `:id` (its counter) and `:events`
 * (a stream capped at 100 entries of job ids and event names). Job hashes and the `delayed`/`wait`/`active` sets
 * exist only while timers are pending; completed jobs are removed at once, failed ones (the handler gave up)
 * after `KEEP_FAILED` — BullMQ removes those when a later job fails, so they have no TTL of their own.
 *
 * The connection is shared, not closed by `close()`; with a handler it needs `maxRetriesPerRequest: null`.
 * On Redis Cluster pass a hash-tagged prefix such as `{fb}`.
 */
export function createRedisTimers(opts: {
  connection: Redis;
  prefix?: string;
  /** Set → this process runs the worker. */
  handler?: TimerHandler;
  onError?: TimerErrorHandler;
}): ConversationTimers {
  const { connection, prefix = 'fb', handler, onError = warn } = opts;
  const queue = new Queue<TimerJob>('timers', {
    connection,
    prefix,
    streams: { events: { maxLen: 100 } },
    defaultJobOptions: {
      attempts: ATTEMPTS,
      backoff: { type: 'exponential', delay: BACKOFF_MS },
      removeOnComplete: true,
      removeOnFail: KEEP_FAILED,
    },
  });
  queue.on('error', onError);
  const worker = handler && new Worker<TimerJob>('timers', ({ data }) => handler(data.key, data.kind, data.index), { connection, prefix, concurrency: 8 });
  worker?.on('error', onError);
  worker?.on('failed', (job, err) => {
    if (job && job.attemptsMade >= ATTEMPTS) onError(err);
  });

  const planKey = (key: string) => `${prefix}:timer-plans:${digest(key)}`;

  /** Removes the jobs and counts those that were still pending (not running, not already failed). */
  async function remove(ids: string[]): Promise<number> {
    const removed = await Promise.all(
      ids.map(async (id) => {
        const state = await queue.getJobState(id);
        return state !== 'unknown' && (await queue.remove(id)) === 1 && PENDING.has(state);
      }),
    );
    return removed.filter(Boolean).length;
  }

  return {
    async plan(key, plan) {
      const timers = timersOf(key, plan);
      const ids = timers.map(jobId);
      const now = Date.now();
      await queue.addBulk(timers.map((t, i) => ({ name: t.kind, data: { key, kind: t.kind, index: t.index }, opts: { jobId: ids[i], delay: Math.max(0, t.at - now) } })));
      const ttl = Math.max(0, Math.ceil((Math.max(...timers.map((t) => t.at)) - now) / 1000)) + PLAN_MARGIN_SECONDS;
      const previous = await connection.set(planKey(key), JSON.stringify(ids), 'EX', ttl, 'GET');
      await remove(parseIds(previous).filter((id) => !ids.includes(id)));
    },
    async cancel(key) {
      return remove(parseIds(await connection.getdel(planKey(key))));
    },
    async close() {
      await worker?.close();
      await queue.close();
    },
    running: () => worker?.isRunning() ?? true,
  };
}

function parseIds(json: string | null): string[] {
  return json ? (JSON.parse(json) as string[]) : [];
}

/**
 * The embedded default: timers in this process only (lost on restart, like the memory store), unref'd so they
 * never keep the process alive. Same retries as the Redis timers.
 */
export function createMemoryTimers(opts: { handler?: TimerHandler; onError?: TimerErrorHandler }): ConversationTimers {
  const { handler, onError = warn } = opts;
  const pending = new Map<string, Set<NodeJS.Timeout>>();

  function arm(key: string, at: number, fire: () => void): void {
    const set = pending.get(key) ?? new Set();
    pending.set(key, set);
    const timeout = setTimeout(() => {
      set.delete(timeout);
      if (set.size === 0) pending.delete(key);
      if (Date.now() < at) arm(key, at, fire);
      else fire();
    }, Math.min(Math.max(0, at - Date.now()), MAX_TIMEOUT_MS)).unref();
    set.add(timeout);
  }

  function run(job: TimerJob, attempt: number): void {
    handler?.(job.key, job.kind, job.index).catch((err: unknown) => {
      if (attempt < ATTEMPTS) arm(job.key, Date.now() + BACKOFF_MS * 2 ** (attempt - 1), () => run(job, attempt + 1));
      else onError(err instanceof Error ? err : new Error(String(err)));
    });
  }

  function cancel(key: string): number {
    const set = pending.get(key);
    pending.delete(key);
    for (const timeout of set ?? []) clearTimeout(timeout);
    return set?.size ?? 0;
  }

  return {
    async plan(key, plan) {
      const timers = timersOf(key, plan);
      cancel(key);
      for (const timer of timers) arm(key, timer.at, () => run(timer, 1));
    },
    async cancel(key) {
      return cancel(key);
    },
    async close() {
      for (const key of [...pending.keys()]) cancel(key);
    },
  };
}
