/**
 * Where a conversation lives between two messages. Small on purpose (like grammY's `StorageAdapter`):
 * the runner does claim (update id) + load → step → save, and `save` is compare-and-set on the revision, so two
 * replicas or a double tap racing on one conversation can never both win.
 */

/** What is kept per conversation: the engine's snapshot (small JSON) and the revision it was saved at. */
export interface Stored<S> {
  state: S;
  rev: number;
}

export type SaveResult = 'ok' | 'conflict';

/** What `claim` found: whether this was the first sighting of the update id, and the conversation as stored. */
export interface Claim<S> {
  first: boolean;
  stored: Stored<S> | undefined;
}

export interface SessionStore<S = unknown> {
  load(key: string): Promise<Stored<S> | undefined>;
  /**
   * Saves `state` as revision `expectedRev + 1` only if the stored revision is still `expectedRev`
   * (0 = must not exist yet). The TTL is refreshed on every save. `saying` (what the turn says) is appended to
   * the conversation's outbox in the same atomic step, so a saved turn's messages are never lost (see `Outbox`).
   */
  save(key: string, state: S, expectedRev: number, ttlSeconds: number, saying?: Saying): Promise<SaveResult>;
  /** True the first time `updateId` is seen for `key` (kept ≥ 25 h), false for every repeat. */
  seen(key: string, updateId: string): Promise<boolean>;
  /** `seen` and `load` together, as one atomic step (one round trip on Redis): how a turn with an update id starts. */
  claim(key: string, updateId: string): Promise<Claim<S>>;
  /** Forgets the conversation: its state, update ids and outbox. */
  delete(key: string): Promise<void>;
  outbox: Outbox;
}

/** A turn's words for the outbox, and who is about to say them. */
export interface Saying {
  entry: string;
  /** With the save, lease the outbox to `owner` for `ms` when nobody else holds it: one round trip less per turn. */
  lease?: { owner: string; ms: number };
  /** Set by a save that took the lease: every entry the outbox holds, oldest first. */
  taken?: string[];
}

/**
 * What a turn says waits in its conversation's outbox until it was said: saved with the state, sent after the
 * platform was answered, removed once sent. One sender at a time per conversation (a lease that expires, so a
 * sender that died is replaced), in order; an index of conversations with messages waiting lets any replica pick
 * up what a dead one left. Entries are opaque strings (JSON written by the turn service).
 */
export interface Outbox {
  /**
   * Leases the conversation's outbox to `owner` for `leaseMs` and returns its entries, oldest first; `undefined`
   * when another owner holds the lease. An empty outbox releases the lease.
   */
  take(key: string, owner: string, leaseMs: number): Promise<string[] | undefined>;
  /**
   * The oldest `count` entries were said: removes them and renews the lease, releasing it once nothing is left.
   * Returns how many entries are left, or -1 when `owner` no longer holds the lease (nothing removed).
   */
  sent(key: string, owner: string, count: number, leaseMs: number): Promise<number>;
  /** Conversations whose outbox last received an entry more than `olderThanMs` ago, with that time (epoch ms). */
  pending(olderThanMs: number, limit: number): Promise<Array<{ key: string; since: number }>>;
  /** Drops `key` from the index when nothing was added since `since` (its outbox was found empty). */
  settle(key: string, since: number): Promise<void>;
}

/** Platform update ids are remembered this long: Telegram retries for up to 24 hours. */
export const SEEN_TTL_SECONDS = 25 * 60 * 60;
