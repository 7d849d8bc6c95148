import type { Checkin, CheckinStatus } from './port.js';

/**
 * Where check-ins live: a tiny port with two implementations (Redis for replicas and restarts, memory for the
 * embedded default) that pass one contract suite. The store knows nothing about tokens or flows: it keeps
 * records, an index from the token's SHA-256 to the check-in id, idempotency claims, and which check-in a
 * conversation is currently on. Every entry expires.
 */

/** What is stored per check-in: the check-in without its raw token, which is never stored. */
export type CheckinRecord = Omit<Checkin, 'token'> & {
  /** AES-GCM sealed token, so the QR code can be drawn again without a dump leaking usable links. */
  sealedToken: string;
  /** Hash of the request that created it: an idempotency key reused for another request is refused. */
  fingerprint: string;
};

/** `bound`: this conversation won the invite; `again`: it already had it; `other`: someone else has it. */
export type BindOutcome = 'bound' | 'again' | 'other';

export interface CheckinStore {
  /**
   * Saves a new record and its token index for `ttlSeconds`. With `idempotency` (an opaque key, already scoped
   * to the client), the first record saved under it wins: later and racing calls get that record, `created: false`.
   */
  create(record: CheckinRecord, tokenHash: string, ttlSeconds: number, idempotency?: string): Promise<{ record: CheckinRecord; created: boolean }>;
  get(id: string): Promise<CheckinRecord | undefined>;
  idByToken(tokenHash: string): Promise<string | undefined>;
  /** Binds the check-in to a conversation atomically: of two people racing on one token, exactly one wins. */
  bind(id: string, conversationKey: string): Promise<BindOutcome | undefined>;
  /** Moves the status forward only (see `STATUS_RANK`), stamping `history[to] = at`; false when nothing changed. */
  move(id: string, to: CheckinStatus, at: string): Promise<boolean>;
  /** Which check-in a conversation is on, so a replaced or deleted one can be found when its state is gone. */
  setCurrent(conversationKey: string, id: string, ttlSeconds: number): Promise<void>;
  current(conversationKey: string): Promise<string | undefined>;
  clearCurrent(conversationKey: string): Promise<void>;
}

/** Statuses only move to a higher rank; the four outcomes share the top rank, so an outcome is final. */
export const STATUS_RANK: Record<CheckinStatus, number> = {
  created: 0, opened: 1, in_progress: 2, completed: 3, expired: 3, declined: 3, unreachable: 3,
};

export const isFinal = (status: CheckinStatus): boolean => STATUS_RANK[status] === 3;

/** The statuses a check-in may move to `to` from. */
export function movableFrom(to: CheckinStatus): CheckinStatus[] {
  return (Object.keys(STATUS_RANK) as CheckinStatus[]).filter((s) => STATUS_RANK[s] < STATUS_RANK[to]);
}
