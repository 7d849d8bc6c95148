import { Queue, type JobsOptions, type Worker } from 'bullmq';
import type { RedisClient } from '../redis/connect.js';
import { DELIVERY_PREFIX, hashTagged } from '../keys.js';
import { BACKOFF_TYPE, LANES, laneOf, type Lane } from './lanes.js';
import { KEEP_SECONDS, Ledger, type Document } from './ledger.js';
import { RespondentErased, ResponseDocument, SafetySignal } from '../survey/payload.js';
import { randomBytes } from 'node:crypto';
import type { Log } from './log.js';
import type { Delivery } from './port.js';
import { STANDARD_RETRY_DELAYS_MS } from './schedule.js';
import { startWorker, type WorkerConfig } from './worker.js';

export interface QueueDeliveryOptions {
  /** ioredis instance; with `workers`, it must have `maxRetriesPerRequest: null` (BullMQ's requirement). */
  redis: RedisClient;
  prefix?: string;
  retryDelaysMs?: readonly number[];
  /** Where queue connection errors go (an unheard BullMQ 'error' event would crash the process). */
  log?: Log;
  /** Start workers in this process (the bot does; the operator CLI and producers-only processes do not). */
  workers?: WorkerConfig;
}

export interface LaneCounts {
  waiting: number;
  delayed: number;
  active: number;
  failed: number;
}
/** Per lane; then the dead letters, and how many endpoints answered 410 Gone (nothing goes to them until replay). */
export type Counts = Record<Lane, LaneCounts> & { dead: number; goneEndpoints: number };

const LANE_NAMES = Object.keys(LANES) as Lane[];

/**
 * Responses and safety signals on BullMQ: job id = document id (a second enqueue is ignored), retries on the
 * Standard Webhooks schedule, dead letters kept for replay or export by the operator.
 */
export class QueueDelivery implements Delivery {
  private readonly ledger: Ledger;
  private readonly queues: Record<Lane, Queue<Document>>;
  private readonly workers: Worker<Document>[];
  private readonly delays: readonly number[];

  constructor(opts: QueueDeliveryOptions) {
    // BullMQ's keys and the ledger's in one slot (keys.ts): the ledger's steps span several of its keys.
    const prefix = hashTagged(opts.prefix ?? DELIVERY_PREFIX);
    this.delays = opts.retryDelaysMs ?? STANDARD_RETRY_DELAYS_MS;
    this.ledger = new Ledger(opts.redis, prefix);
    const queue = (lane: Lane) => {
      const q = new Queue<Document>(LANES[lane], { connection: opts.redis, prefix });
      q.on('error', (err) => opts.log?.error({ lane, err: err.message }, 'delivery queue error'));
      return q;
    };
    this.queues = { response: queue('response'), safety: queue('safety') };
    const workers = opts.workers;
    this.workers = workers
      ? LANE_NAMES.map((lane) => startWorker({ ...workers, lane, redis: opts.redis, prefix, retryDelaysMs: this.delays, ledger: this.ledger }))
      : [];
  }

  async enqueueResponse(doc: ResponseDocument): Promise<void> {
    await this.enqueue(ResponseDocument.parse(doc));
  }

  async enqueueSafety(signal: SafetySignal): Promise<void> {
    await this.enqueue(SafetySignal.parse(signal));
  }

  /**
   * The ledger entry is written before the job so a fast worker always finds it to mark delivered; an id the
   * ledger already knows as delivered or dead is not queued again, even after its finished job left Redis.
   */
  private async enqueue(doc: Document): Promise<void> {
    const known = await this.ledger.state(doc.respondent.pseudonym, doc.id);
    if (known === 'delivered' || known === 'dead') return;
    await this.ledger.recordPending(doc);
    await this.queues[laneOf(doc)].add(doc.type, doc, this.jobOptions(doc.id));
  }

  private jobOptions(id: string): JobsOptions {
    return {
      jobId: id,
      attempts: this.delays.length + 1,
      backoff: { type: BACKOFF_TYPE },
      // A delivered document (answers, free text, caseRef) leaves Redis the moment its delivery is recorded, whatever
      // the traffic on the lane (an age-based removal only runs when another job completes); the ledger keeps the id
      // and state, for dedupe and "/antwoorden", without the answers.
      removeOnComplete: true,
      removeOnFail: { age: KEEP_SECONDS },
    };
  }

  async listFor(pseudonym: string): ReturnType<Delivery['listFor']> {
    const entries = await this.ledger.entries(pseudonym);
    return entries.sort((a, b) => a.at.localeCompare(b.at));
  }

  async forget(pseudonym: string): Promise<{ removed: number; alreadySent: number }> {
    const entries = await this.ledger.entries(pseudonym);
    const unsent = entries.filter((e) => e.state !== 'delivered');
    // Delivered jobs are gone already; waiting, delayed and failed ones go now.
    for (const e of entries) {
      if (e.state !== 'dead') await this.queues[laneOf(e)].remove(e.id);
    }
    await this.ledger.forget(pseudonym, unsent.map((e) => e.id));
    // The backend may hold what was delivered (also beyond the ledger's 30 days): tell it, signed and retried like a
    // response. The notice is the one thing kept about the respondent, only until the backend has it: no ledger
    // entry (no key named after them), and its job leaves Redis as soon as it is delivered.
    const at = new Date();
    const notice = RespondentErased.parse({
      type: 'respondent.erased', id: `era_${at.getTime().toString(36)}_${randomBytes(6).toString('base64url')}`, respondent: { pseudonym }, at: at.toISOString(),
    });
    await this.queues.response.add(notice.type, notice, { ...this.jobOptions(notice.id), removeOnComplete: true });
    return { removed: unsent.length, alreadySent: entries.length - unsent.length };
  }

  /** Operator view: BullMQ's own counts per lane, the dead letters, and endpoints stopped by a 410. */
  async counts(): Promise<Counts> {
    const lane = async (name: Lane) => {
      const c = await this.queues[name].getJobCounts('waiting', 'delayed', 'active', 'failed');
      return { waiting: c.waiting ?? 0, delayed: c.delayed ?? 0, active: c.active ?? 0, failed: c.failed ?? 0 };
    };
    return {
      response: await lane('response'),
      safety: await lane('safety'),
      dead: await this.ledger.deadCount(),
      goneEndpoints: await this.ledger.goneEndpoints(),
    };
  }

  /**
   * Puts dead letters (all, or those with the given ids) back on their queue with a fresh set of attempts, and
   * retries jobs BullMQ itself failed (e.g. stalled too often). Lifts every 410 stop: replaying says the backend
   * is back. Returns how many went back.
   */
  async replay(ids?: readonly string[]): Promise<number> {
    await this.ledger.clearGone();
    const letters = await this.ledger.deadLetters(ids);
    for (const letter of letters) {
      const queue = this.queues[laneOf(letter.document)];
      await this.ledger.mark(letter.document, 'pending');
      await queue.remove(letter.id); // the finished job would otherwise swallow the new one as a duplicate
      await queue.add(letter.document.type, letter.document, this.jobOptions(letter.id));
      await this.ledger.removeDead(letter.id);
    }
    const failed = await this.failedJobs(ids);
    for (const job of failed) await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return letters.length + failed.length;
  }

  /** Everything that did not reach the backend, for hand delivery: dead letters, then failed jobs. */
  async undelivered(): Promise<Document[]> {
    const letters = await this.ledger.deadLetters();
    const failed = await this.failedJobs();
    return [...letters.map((l) => l.document), ...failed.map((j) => j.data)];
  }

  private async failedJobs(ids?: readonly string[]) {
    const jobs = (await Promise.all(LANE_NAMES.map((lane) => this.queues[lane].getFailed()))).flat();
    return jobs.filter((job) => ids === undefined || ids.includes(job.id ?? ''));
  }

  /** Metrics seam: how each attempt of this process's workers ended (`retry` when BullMQ will try again), and their connection errors. */
  observe(hooks: { attempt(lane: Lane, result: string): void; error(lane: Lane): void }): void {
    this.workers.forEach((worker, i) => {
      const lane = LANE_NAMES[i]!;
      worker.on('completed', (_job, result: string) => hooks.attempt(lane, result));
      worker.on('failed', () => hooks.attempt(lane, 'retry'));
      worker.on('error', () => hooks.error(lane));
    });
  }

  /** Readiness: every worker this process started is still running (none when it only enqueues). */
  running(): boolean {
    return this.workers.every((w) => w.isRunning());
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all(LANE_NAMES.map((lane) => this.queues[lane].close()));
  }
}
