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
   * (0 = must not exist yet). The TTL is refreshed on every save.
   */
  save(key: string, state: S, expectedRev: number, ttlSeconds: number): Promise<SaveResult>;
  /** True the first time `updateId` is seen for `key` (kept ≥ 25 h), false for every repeat. */
  seen(key: string, updateId: string): Promise<boolean>;
  /** `seen` and `load` together, as one atomic step (one round trip on Redis): how a turn with an update id starts. */
  claim(key: string, updateId: string): Promise<Claim<S>>;
  delete(key: string): Promise<void>;
}

/** Platform update ids are remembered this long: Telegram retries for up to 24 hours. */
export const SEEN_TTL_SECONDS = 25 * 60 * 60;
