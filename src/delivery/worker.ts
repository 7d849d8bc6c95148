import { Worker, type Job } from 'bullmq';
import type { RedisClient } from '../redis/connect.js';
import { LANES, type Lane } from './lanes.js';
import type { Document, Ledger } from './ledger.js';
import type { Log } from './log.js';
import { postSigned, type PostOutcome } from './post.js';
import { retryDelay } from './schedule.js';
import type { Signer } from './sign.js';

export interface WorkerConfig {
  /** Where each lane posts to. */
  urls: Record<Lane, string>;
  sign: Signer;
  log: Log;
  timeoutMs?: number;
  /** Parallel deliveries per lane and process. */
  concurrency?: number;
  /** BullMQ lock duration; a killed worker's jobs return to the queue after about twice this. */
  lockMs?: number;
}

interface LaneContext extends WorkerConfig {
  lane: Lane;
  redis: RedisClient;
  prefix: string;
  retryDelaysMs: readonly number[];
  ledger: Ledger;
}

type Retry = Extract<PostOutcome, { kind: 'retry' }>;

/** Thrown to let BullMQ schedule the next attempt; carries the receiver's `Retry-After` to the backoff strategy. */
class RetryLater extends Error {
  constructor(readonly outcome: Retry) {
    super(reasonOf(outcome));
    this.name = 'RetryLater';
  }
}

/** "status 503" or "no answer (ECONNREFUSED)": what went wrong, without anything the receiver said. */
function reasonOf(outcome: Retry): string {
  return outcome.status === undefined ? `no answer (${outcome.error})` : `status ${outcome.status}`;
}

export function startWorker(ctx: LaneContext): Worker<Document> {
  const lockMs = ctx.lockMs ?? 30_000;
  const worker = new Worker<Document>(LANES[ctx.lane], (job) => attempt(job, ctx), {
    connection: ctx.redis,
    prefix: ctx.prefix,
    concurrency: ctx.concurrency ?? 16,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A worker killed mid-attempt is normal (deploys); a job that keeps killing workers ends in "failed".
    maxStalledCount: 3,
    settings: {
      backoffStrategy: (attemptsMade, _type, err) =>
        retryDelay(ctx.retryDelaysMs, attemptsMade, err instanceof RetryLater ? err.outcome.retryAfterMs : undefined),
    },
  });
  worker.on('error', (err) => ctx.log.error({ lane: ctx.lane, err: err.message }, 'delivery worker error'));
  return worker;
}

/** One delivery attempt: post, then record the outcome; only a retryable failure before the last attempt throws. */
async function attempt(job: Job<Document>, ctx: LaneContext): Promise<'delivered' | 'dead' | 'forgotten'> {
  const doc = job.data;
  const at = { id: doc.id, lane: ctx.lane, attempt: job.attemptsMade + 1 };
  const url = ctx.urls[ctx.lane];
  const blockers = await ctx.ledger.blockers(doc.id, url);
  if (blockers.forgotten) return dropped(ctx, at);
  if (blockers.gone) {
    return deadLetter(doc, ctx, at.attempt - 1, 'endpoint gone (410)', () => ctx.log.warn(at, 'webhook endpoint is gone (410): moved to dead letters without an attempt'));
  }
  const outcome = await postSigned({ url, id: doc.id, body: JSON.stringify(doc), sign: ctx.sign, timeoutMs: ctx.timeoutMs });
  if (outcome.kind === 'delivered') {
    await ctx.ledger.mark(doc, 'delivered');
    ctx.log.info({ ...at, status: outcome.status }, 'delivered');
    return 'delivered';
  }
  if (outcome.kind === 'gone') {
    await ctx.ledger.markGone(url);
    ctx.log.error({ ...at, status: 410, alert: 'webhook-gone' }, 'webhook endpoint answered 410 Gone: no more attempts to it until replay');
    return deadLetter(doc, ctx, at.attempt, 'endpoint gone (410)', () => undefined);
  }
  const failure = { ...at, status: outcome.status, error: outcome.error, retryAfterMs: outcome.retryAfterMs };
  if (at.attempt >= (job.opts.attempts ?? 1)) {
    return deadLetter(doc, ctx, at.attempt, reasonOf(outcome), () => ctx.log.error({ ...failure, alert: 'delivery-dead' }, 'delivery failed on the last attempt: moved to dead letters'));
  }
  ctx.log.warn(failure, 'delivery attempt failed; will retry');
  throw new RetryLater(outcome);
}

/** Keeps the dead letter; a respondent forgotten while this attempt ran is not kept (`/wis` won). */
async function deadLetter(document: Document, ctx: LaneContext, attempts: number, reason: string, said: () => void): Promise<'dead' | 'forgotten'> {
  if (await ctx.ledger.addDead({ id: document.id, reason, attempts, at: new Date().toISOString(), document })) {
    said();
    return 'dead';
  }
  return dropped(ctx, { id: document.id, lane: ctx.lane });
}

/** The respondent asked to be forgotten (`/wis`): the document is neither posted nor kept. */
function dropped(ctx: LaneContext, at: { id: string; lane: LaneContext['lane']; attempt?: number }): 'forgotten' {
  ctx.log.info(at, 'delivery dropped: the respondent asked to be forgotten');
  return 'forgotten';
}
