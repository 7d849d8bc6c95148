import { Queue, Worker } from 'bullmq';
import type { RedisClient } from '../redis/connect.js';
import type { Logger } from 'pino';
import { outboundOf, type Outbound } from '../app.js';
import { createLater } from '../later.js';
import type { Runner } from '../turns/runner.js';
import type { CheckinsService } from './service.js';
import { hashTagged, NAMESPACE } from '../keys.js';

/**
 * Follow-up check-ins delivered directly. A check-in whose `respondentRef` has consent on record for its case is
 * planned at `sendAt` (or at once); when due, it is bound to the respondent's conversation, opened by the runner
 * like any invite, and said through the channel's outbound sender. Without consent there is only the invite link.
 */
export interface FollowUpSchedule {
  /** Plans the delivery of check-in `id` at `when`; planning one id twice is a no-op. */
  at(id: string, when: Date): Promise<void>;
  close(): Promise<void>;
}

/** A delivery that throws (channel down, Redis trouble) is tried this often, 1 min, 2 min, 4 min… apart. */
const ATTEMPTS = 8;
const BACKOFF_MS = 60_000;

/**
 * BullMQ delayed jobs in `{<prefix>}:followups` (one Cluster slot), job id = check-in id (so a retried API call plans once). Every
 * process may plan (the CLI too); processes given `deliver` run the worker. Without Redis: timers in this process.
 */
export function createFollowUpSchedule(opts: { redis?: RedisClient; deliver?: (id: string) => Promise<void>; log: Logger; prefix?: string }): FollowUpSchedule {
  const { redis, deliver, log } = opts;
  const prefix = hashTagged(opts.prefix ?? NAMESPACE);
  const failed = (id: string | undefined, err: Error) => log.warn({ checkin: id, err: err.message }, 'follow-up check-in could not be delivered');
  if (!redis) {
    const later = createLater({ attempts: ATTEMPTS, backoffMs: BACKOFF_MS, onGiveUp: failed });
    return {
      async at(id, when) {
        later.at(id, when.getTime(), () => deliver?.(id) ?? Promise.resolve());
      },
      async close() {
        later.close();
      },
    };
  }
  const queue = new Queue<{ id: string }>('followups', {
    connection: redis, prefix, streams: { events: { maxLen: 100 } },
    defaultJobOptions: { attempts: ATTEMPTS, backoff: { type: 'exponential', delay: BACKOFF_MS }, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } },
  });
  queue.on('error', (err) => log.warn({ err: err.message }, 'follow-up queue error'));
  const worker = deliver && new Worker<{ id: string }>('followups', ({ data }) => deliver(data.id), { connection: redis, prefix, concurrency: 4 });
  worker?.on('error', (err) => log.warn({ err: err.message }, 'follow-up worker error'));
  worker?.on('failed', (job, err) => {
    if (job && job.attemptsMade >= ATTEMPTS) failed(job.data.id, err);
  });
  return {
    async at(id, when) {
      await queue.add('deliver', { id }, { jobId: id, delay: Math.max(0, when.getTime() - Date.now()) });
    },
    async close() {
      await worker?.close();
      await queue.close();
    },
  };
}

/**
 * Opens a due follow-up in the respondent's conversation and says it there. A respondent who withdrew consent
 * since (or deleted their data) is not written to: the check-in stays an invite. One the channel cannot reach
 * (blocked, uninstalled) is marked unreachable.
 */
export function createFollowUpDelivery(deps: { checkins: CheckinsService; runner: Runner; outbound: Map<string, Outbound>; log: Logger }) {
  const { checkins, runner, outbound, log } = deps;
  return async function deliver(id: string): Promise<void> {
    const opened = await checkins.openDirect(id);
    if (!opened) {
      log.info({ checkin: id }, 'follow-up not delivered directly (no consent on record, or no longer open): the invite link still works');
      return;
    }
    const { key, info } = opened;
    const channel = outboundOf(outbound, key);
    // Not this process's channel (yet): throwing retries later, maybe on a replica that has it.
    if (!channel) throw new Error('no outbound sender for this conversation\'s channel');
    const turn = await runner.handle({ key, input: { kind: 'open', checkin: info } });
    const said = await channel.send(key, turn.prompts, { checkinId: id, lng: turn.state?.context.lng ?? info.locale });
    if (said === 'unreachable') await checkins.markUnreachable(id);
  };
}
