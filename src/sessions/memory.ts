import { encodeForSave } from './check.js';
import { SEEN_TTL_SECONDS, type Claim, type Outbox, type SaveResult, type Saying, type SessionStore, type Stored } from './store.js';

/**
 * The embedded default (no `REDIS_URL`): one process, nothing survives a restart. It mirrors the Redis store
 * exactly — state is kept as JSON (a loaded state is a fresh copy, a non-JSON state is refused), save is
 * compare-and-set on the revision, every entry expires — so the contract suite proves both the same way.
 * Expiry is lazy on every read, and a sweep timer (unref'd, stopped by `close()`) frees what nobody reads.
 */
export interface MemorySessionStoreOptions {
  /** Clock in epoch ms; tests inject one instead of sleeping through TTLs. */
  now?: () => number;
  /** How often expired entries are swept from memory. */
  sweepMs?: number;
}

interface Entry {
  json: string;
  rev: number;
  expiresAt: number;
}

export class MemorySessionStore<S = unknown> implements SessionStore<S> {
  readonly #now: () => number;
  readonly #conversations = new Map<string, Entry>();
  /** Per conversation: update id → expiry, so `delete` forgets them together. */
  readonly #seen = new Map<string, Map<string, number>>();
  readonly #sweeper: NodeJS.Timeout;

  constructor({ now = Date.now, sweepMs = 60_000 }: MemorySessionStoreOptions = {}) {
    this.#now = now;
    this.#sweeper = setInterval(() => this.sweep(), sweepMs).unref();
  }

  async load(key: string): Promise<Stored<S> | undefined> {
    const entry = this.#live(key);
    return entry && { state: JSON.parse(entry.json) as S, rev: entry.rev };
  }

  async save(key: string, state: S, expectedRev: number, ttlSeconds: number, saying?: Saying): Promise<SaveResult> {
    const json = encodeForSave(state, expectedRev, ttlSeconds);
    const rev = this.#live(key)?.rev ?? 0;
    if (rev !== expectedRev) return 'conflict';
    this.#conversations.set(key, { json, rev: rev + 1, expiresAt: this.#now() + ttlSeconds * 1000 });
    if (saying !== undefined) {
      const out = this.#outboxes.get(key) ?? { items: [], lease: undefined };
      out.items.push(saying.entry);
      this.#outboxes.set(key, out);
      this.#index.set(key, this.#now());
      const taken = saying.lease && this.#lease(out, saying.lease.owner, saying.lease.ms);
      if (taken) saying.taken = taken;
    }
    return 'ok';
  }

  /** Per conversation: its waiting entries and who holds them until when. */
  readonly #outboxes = new Map<string, { items: string[]; lease: { owner: string; until: number } | undefined }>();
  readonly #index = new Map<string, number>();

  /** The one lease rule (as the Redis store's): refused while another owner holds it; an empty outbox stays unleased. */
  #lease(out: { items: string[]; lease: { owner: string; until: number } | undefined }, owner: string, ms: number): string[] | undefined {
    if (out.lease && out.lease.owner !== owner && out.lease.until > this.#now()) return undefined;
    out.lease = out.items.length ? { owner, until: this.#now() + ms } : undefined;
    return [...out.items];
  }

  readonly outbox: Outbox = {
    take: async (key, owner, leaseMs) => {
      const out = this.#outboxes.get(key);
      if (!out || !this.#live(key)) {
        this.#outboxes.delete(key);
        return [];
      }
      return this.#lease(out, owner, leaseMs);
    },
    sent: async (key, owner, count, leaseMs) => {
      const out = this.#outboxes.get(key);
      if (!out?.lease || out.lease.owner !== owner || out.lease.until <= this.#now()) return -1;
      out.items.splice(0, count);
      out.lease = out.items.length ? { owner, until: this.#now() + leaseMs } : undefined;
      return out.items.length;
    },
    pending: async (olderThanMs, limit) =>
      [...this.#index].filter(([, since]) => since <= this.#now() - olderThanMs).slice(0, limit).map(([key, since]) => ({ key, since })),
    settle: async (key, since) => {
      if ((this.#index.get(key) ?? Infinity) <= since) this.#index.delete(key);
    },
  };

  async seen(key: string, updateId: string): Promise<boolean> {
    const now = this.#now();
    const ids = this.#seen.get(key) ?? new Map<string, number>();
    if ((ids.get(updateId) ?? 0) > now) return false;
    ids.set(updateId, now + SEEN_TTL_SECONDS * 1000);
    this.#seen.set(key, ids);
    return true;
  }

  async claim(key: string, updateId: string): Promise<Claim<S>> {
    return { first: await this.seen(key, updateId), stored: await this.load(key) };
  }

  async delete(key: string): Promise<void> {
    this.#conversations.delete(key);
    this.#seen.delete(key);
    this.#outboxes.delete(key);
  }

  /** Frees every expired conversation and update id. */
  sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#conversations) if (entry.expiresAt <= now) this.#conversations.delete(key);
    for (const key of this.#outboxes.keys()) if (!this.#conversations.has(key)) this.#outboxes.delete(key);
    for (const [key, ids] of this.#seen) {
      for (const [id, expiresAt] of ids) if (expiresAt <= now) ids.delete(id);
      if (ids.size === 0) this.#seen.delete(key);
    }
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #live(key: string): Entry | undefined {
    const entry = this.#conversations.get(key);
    if (entry && entry.expiresAt <= this.#now()) {
      this.#conversations.delete(key);
      return undefined;
    }
    return entry;
  }
}
