import type { CheckinStatus } from './port.js';
import { movableFrom, type BindOutcome, type CheckinRecord, type CheckinStore } from './store.js';

/**
 * Check-ins in this process only (no `REDIS_URL`): an invite works only while the process that made it runs.
 * It mirrors the Redis store — copies in and out, every entry expires (lazily, on read) — so one contract
 * suite proves both.
 */
interface Expiring<T> {
  value: T;
  expiresAt: number;
}

export class MemoryCheckinStore implements CheckinStore {
  readonly #now: () => number;
  readonly #records = new Map<string, Expiring<CheckinRecord>>();
  readonly #tokens = new Map<string, Expiring<string>>();
  readonly #claims = new Map<string, Expiring<string>>();
  readonly #current = new Map<string, Expiring<string>>();

  /** `now` in epoch ms; tests move it instead of sleeping through TTLs. */
  constructor({ now = Date.now }: { now?: () => number } = {}) {
    this.#now = now;
  }

  async create(record: CheckinRecord, tokenHash: string, ttlSeconds: number, idempotency?: string) {
    const claimed = idempotency === undefined ? undefined : this.#live(this.#claims, idempotency);
    const first = claimed === undefined ? undefined : this.#live(this.#records, claimed);
    if (first) return { record: structuredClone(first), created: false };
    this.#sweep();
    const expiresAt = this.#now() + ttlSeconds * 1000;
    this.#records.set(record.id, { value: structuredClone(record), expiresAt });
    this.#tokens.set(tokenHash, { value: record.id, expiresAt });
    if (idempotency !== undefined) this.#claims.set(idempotency, { value: record.id, expiresAt });
    return { record: structuredClone(record), created: true };
  }

  async get(id: string): Promise<CheckinRecord | undefined> {
    const record = this.#live(this.#records, id);
    return record && structuredClone(record);
  }

  async idByToken(tokenHash: string): Promise<string | undefined> {
    return this.#live(this.#tokens, tokenHash);
  }

  async bind(id: string, conversationKey: string): Promise<BindOutcome | undefined> {
    const record = this.#live(this.#records, id);
    if (!record) return undefined;
    if (record.boundTo === null) {
      record.boundTo = conversationKey;
      return 'bound';
    }
    return record.boundTo === conversationKey ? 'again' : 'other';
  }

  async move(id: string, to: CheckinStatus, at: string): Promise<boolean> {
    const record = this.#live(this.#records, id);
    if (!record || !movableFrom(to).includes(record.status)) return false;
    record.status = to;
    record.history[to] = at;
    return true;
  }

  async setCurrent(conversationKey: string, id: string, ttlSeconds: number): Promise<void> {
    this.#current.set(conversationKey, { value: id, expiresAt: this.#now() + ttlSeconds * 1000 });
  }

  async current(conversationKey: string): Promise<string | undefined> {
    return this.#live(this.#current, conversationKey);
  }

  async clearCurrent(conversationKey: string): Promise<void> {
    this.#current.delete(conversationKey);
  }

  /** Frees expired entries nobody read; run on create, which is rare next to reads. */
  #sweep(): void {
    const now = this.#now();
    for (const map of [this.#records, this.#tokens, this.#claims, this.#current] as Map<string, Expiring<unknown>>[]) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
  }

  #live<T>(map: Map<string, Expiring<T>>, key: string): T | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= this.#now()) {
      map.delete(key);
      return undefined;
    }
    return entry?.value;
  }
}
