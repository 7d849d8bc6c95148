import { createHash } from 'node:crypto';

/**
 * Every Redis key the bot writes is named here, and nowhere else (src/ops/retention.ts holds each kind to its
 * TTL). Redis Cluster runs a script, a MULTI or a pipeline only when all its keys are in one hash slot, and the
 * slot is chosen by the part of the key in braces (the hash tag). So:
 * - a conversation's keys share `{<conversation key>}`: its state, update ids, each channel's record and parts,
 *   consent to follow-ups (one slot: a turn, a `/wis` or a record's two parts are one step);
 * - a check-in's record is tagged by its id, each index (token, idempotency key, conversation) by what it looks
 *   up: no step writes two of them together (see checkins/redis-store.ts);
 * - each queue's keys (BullMQ's and the delivery ledger beside it) share one tag per queue family, as BullMQ
 *   requires for Cluster: delivery is one document per check-in, far below one master's capacity;
 * - timers are spread over `TIMER_SHARDS` slots by a hash of the conversation key, so no slot is hot;
 * - the index of outboxes with messages waiting is one sorted set in its own slot, written before the turn's save
 *   (a script cannot reach it together with the conversation's slot).
 * The namespace (`fb`) is the first part of every key, so several bots can share one Redis.
 */
export const NAMESPACE = 'fb';

/** Timer schedules: each conversation's timers live in one of this many slots, each claimed atomically. */
export const TIMER_SHARDS = 16;

export interface Keys {
  /** One part of a conversation (`conv`, `ids`, a channel's `tg`, `tg:last`, `reach`…). */
  conversation(key: string, part: string): string;
  checkin(id: string): string;
  /** A check-in index: `tok` (by token hash), `idem` (by idempotency key hash), `conv` (by conversation key). */
  checkinIndex(kind: 'tok' | 'idem' | 'conv', id: string): string;
  /** Consent to follow-ups, by the hash of the case system's respondent reference. */
  reach(refHash: string): string;
  /** A rate-limit counter: bucket and the keyed hash of who is counted. */
  rate(bucket: string, idHash: string): string;
  /** A safety signal being coalesced, per respondent and check-in. */
  signalWindow(pseudonym: string, checkinId: string): string;
  /** The due set and the plans of a timer shard. */
  timers(shard: number): { due: string; plans: string };
  /** Conversations whose outbox may hold messages, scored by when the last one was added. */
  outboxIndex: string;
  /** The shard of a conversation's timers. */
  timerShard(conversationKey: string): number;
}

export function keysFor(ns: string = NAMESPACE): Keys {
  return {
    conversation: (key, part) => `${ns}:{${key}}:${part}`,
    checkin: (id) => `${ns}:chk:{${id}}`,
    checkinIndex: (kind, id) => `${ns}:chk:${kind}:{${id}}`,
    reach: (refHash) => `${ns}:reach:{${refHash}}`,
    rate: (bucket, idHash) => `${ns}:rl:${bucket}:{${idHash}}`,
    signalWindow: (pseudonym, checkinId) => `${ns}:sigwin:{${pseudonym}}:${checkinId}`,
    timers: (shard) => ({ due: `${ns}:{timers:${shard}}:due`, plans: `${ns}:{timers:${shard}}:plans` }),
    outboxIndex: `${ns}:{outbox}:pending`,
    timerShard: (conversationKey) => createHash('sha1').update(conversationKey).digest().readUInt16BE(0) % TIMER_SHARDS,
  };
}

/** The default namespace's keys. */
export const keys: Keys = keysFor();

/** The delivery queues' and ledger's prefix. */
export const DELIVERY_PREFIX = '{feedbackbot:delivery}';

/** A queue family's prefix as Cluster needs it: in braces (a prefix that has them is kept as given). */
export const hashTagged = (prefix: string): string => (prefix.includes('{') ? prefix : `{${prefix}}`);
