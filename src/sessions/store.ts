/**
 * Where a conversation lives between two messages. Small on purpose (like grammY's `StorageAdapter`):
 * the runner does load → step → save, and `save` is compare-and-set on the revision, so two replicas or a
 * double tap racing on one conversation can never both win.
 */

/** What is kept per conversation: the engine's snapshot (small JSON) and the revision it was saved at. */
export interface Stored<S> {
  state: S;
  rev: number;
}

export type SaveResult = 'ok' | 'conflict';

export interface SessionStore<S = unknown> {
  load(key: string): Promise<Stored<S> | undefined>;
  /**
   * Saves `state` as revision `expectedRev + 1` only if the stored revision is still `expectedRev`
   * (0 = must not exist yet). The TTL is refreshed on every save.
   */
  save(key: string, state: S, expectedRev: number, ttlSeconds: number): Promise<SaveResult>;
  /** True the first time `updateId` is seen for `key` (kept ≥ 25 h), false for every repeat. */
  seen(key: string, updateId: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

/** Platform update ids are remembered this long: Telegram retries for up to 24 hours. */
export const SEEN_TTL_SECONDS = 25 * 60 * 60;
